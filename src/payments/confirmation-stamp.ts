import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import { formatTiyinAsSoums } from "../click"
import { storedTiyin } from "../lib/medusa-amount"

/**
 * Writes the provider's confirmation stamp into the Click payment session, so
 * that Medusa's own cart completion can authorize it. Returns why it could not
 * (the payment then needs a refund), or null.
 */
export async function stampSession(
  container: MedusaContainer,
  transaction: { payment_session_id: string; merchant_trans_id: string; amount_tiyin: unknown },
  confirmation: { merchant_prepare_id: number; token?: string }
): Promise<string | null> {
  if (!confirmation.token) {
    return "no confirmation stamp for this Complete"
  }
  const payment = container.resolve(Modules.PAYMENT)
  try {
    // The provider's updatePayment rebuilds the rest of the session data from
    // these; the amount is the one Prepare matched against this very session.
    await payment.updatePaymentSession({
      id: transaction.payment_session_id,
      amount: formatTiyinAsSoums(storedTiyin(transaction.amount_tiyin)),
      currency_code: "uzs",
      data: {
        cart_id: transaction.merchant_trans_id,
        session_id: transaction.payment_session_id,
        click_confirmation: confirmation,
      },
    })
    return null
  } catch (error) {
    if (error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND) {
      return "the cart's payment session was replaced after Prepare (cart changed)"
    }
    throw error
  }
}
