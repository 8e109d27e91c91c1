import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import { formatTiyinAsSoums } from "../../click"
import { storedTiyin } from "../../lib/medusa-amount"
import type { ClickSessionStamp } from "../../providers/click/session-data"

/**
 * Copies a `confirmed` payment's confirmation stamp (written with `confirmed`
 * by record-debit.ts) into its Click payment session, so that Medusa's own
 * cart completion can authorize it: the provider's authorizePayment accepts
 * no session without it. Done by the placement, under its claim, right before
 * the order, so Click's answer does not wait for the payment module. Writing
 * it again before the authorization is harmless; after it, nothing is written.
 * Returns why it could not be written (the payment then needs a refund), or
 * null.
 */
export async function stampSession(
  container: MedusaContainer,
  transaction: {
    payment_session_id: string
    merchant_trans_id: string
    merchant_prepare_id: number
    amount_tiyin: unknown
    confirmation_token: string | null
  }
): Promise<string | null> {
  const token = transaction.confirmation_token
  if (!token) {
    // Confirmed before stamps were kept on the row: its Complete stamped the
    // session itself. Confirmed any other way, the session has no stamp and
    // Medusa refuses to authorize it, so the order is never placed.
    return null
  }
  const amountTiyin = storedTiyin(transaction.amount_tiyin)
  const payment = container.resolve(Modules.PAYMENT)
  try {
    const [session] = await payment.listPaymentSessions({ id: transaction.payment_session_id }, { select: ["id", "authorized_at"] })
    if (session?.authorized_at) {
      // Authorized by an earlier placement that stopped before `placed`: its payment exists, and an
      // update now would set the session back to pending (the provider's updatePayment), which
      // Medusa's authorization step then refuses.
      return null
    }
    // The provider's updatePayment rebuilds the rest of the session data from
    // these; the amount is the one Prepare matched against this very session.
    const stamp: ClickSessionStamp = {
      cart_id: transaction.merchant_trans_id,
      session_id: transaction.payment_session_id,
      click_confirmation: { merchant_prepare_id: transaction.merchant_prepare_id, token },
    }
    await payment.updatePaymentSession({
      id: transaction.payment_session_id,
      amount: formatTiyinAsSoums(amountTiyin),
      currency_code: "uzs",
      data: stamp,
    })
    return null
  } catch (error) {
    if (error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND) {
      return "the cart's payment session was replaced after Prepare (cart changed)"
    }
    throw error
  }
}
