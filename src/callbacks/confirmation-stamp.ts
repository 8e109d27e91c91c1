import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError, Modules } from "@medusajs/framework/utils"

/**
 * Writes the provider's confirmation stamp into the Click payment session, so
 * that Medusa's own cart completion can authorize it. Returns why it could not
 * (to be recorded on the transaction), or null.
 */
export async function stampSession(
  container: MedusaContainer,
  paymentSessionId: string,
  confirmation: { merchant_prepare_id: number; token?: string }
): Promise<string | null> {
  if (!confirmation.token) {
    return "no confirmation stamp for this Complete"
  }
  const payment = container.resolve(Modules.PAYMENT)
  try {
    const session = await payment.retrievePaymentSession(paymentSessionId, {
      select: ["id", "amount", "currency_code", "data"],
    })
    await payment.updatePaymentSession({
      id: session.id,
      amount: session.amount,
      currency_code: session.currency_code,
      data: { ...session.data, click_confirmation: confirmation },
    })
    return null
  } catch (error) {
    if (error instanceof MedusaError && error.type === MedusaError.Types.NOT_FOUND) {
      return "the cart's payment session was replaced after Prepare (cart changed)"
    }
    throw error
  }
}
