import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import { formatTiyinAsSoums } from "../click"
import { storedTiyin } from "../lib/medusa-amount"
import { clickMerchantGateway } from "../providers/click/merchant-gateway"

/**
 * Writes the confirmation stamp into the Click payment session of a
 * `confirmed` payment, so that Medusa's own cart completion can authorize it
 * (the provider's authorizePayment accepts no session without it). Written by
 * the placement, under its claim, right before the order: the payment's state
 * is what says Click took the money, and Click's answer does not wait for
 * this. Writing it again is harmless. Returns why it could not be written
 * (the payment then needs a refund), or null.
 */
export async function stampSession(
  container: MedusaContainer,
  transaction: {
    service_id: string | null
    payment_session_id: string
    merchant_trans_id: string
    merchant_prepare_id: number
    amount_tiyin: unknown
  }
): Promise<string | null> {
  const amountTiyin = storedTiyin(transaction.amount_tiyin)
  const token = clickMerchantGateway(transaction.service_id).confirmationFor({
    cartId: transaction.merchant_trans_id,
    amountTiyin: amountTiyin.toString(),
    merchantPrepareId: String(transaction.merchant_prepare_id),
  })
  const payment = container.resolve(Modules.PAYMENT)
  try {
    // The provider's updatePayment rebuilds the rest of the session data from
    // these; the amount is the one Prepare matched against this very session.
    await payment.updatePaymentSession({
      id: transaction.payment_session_id,
      amount: formatTiyinAsSoums(amountTiyin),
      currency_code: "uzs",
      data: {
        cart_id: transaction.merchant_trans_id,
        session_id: transaction.payment_session_id,
        click_confirmation: { merchant_prepare_id: transaction.merchant_prepare_id, token },
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
