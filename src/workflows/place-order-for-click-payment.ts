import type { MedusaContainer } from "@medusajs/framework/types"
import { completeCartWorkflow } from "@medusajs/medusa/core-flows"
import type { Logger } from "pino"
import { withClickCartLock } from "../callbacks/cart-lock"
import { clickModule } from "../callbacks/click-transactions"
import { ClickTransactionState } from "../modules/click"

export interface PlaceOrderResult {
  orderId: string | null
  error: string | null
}

/**
 * Turns a confirmed Click payment into its cart's order, with Medusa's own
 * completeCartWorkflow. Idempotent and safe to call again (from the Complete
 * callback, a storefront race or a recovery job): it runs under the per-cart
 * Click lock, and completeCartWorkflow returns the existing order if there is one.
 * Failures are recorded on the transaction, never thrown: Click has the money.
 */
export async function placeOrderForClickPayment(
  container: MedusaContainer,
  input: { transactionId: string },
  log: Logger
): Promise<PlaceOrderResult> {
  const service = clickModule(container)
  const transaction = await service.retrieveClickTransaction(input.transactionId)
  if (transaction.state !== ClickTransactionState.Confirmed) {
    return { orderId: null, error: `transaction is ${transaction.state}, not confirmed` }
  }
  if (transaction.order_id) {
    return { orderId: transaction.order_id, error: null }
  }
  try {
    const orderId = await withClickCartLock(container, transaction.merchant_trans_id, async () => {
      const { result } = await completeCartWorkflow(container).run({
        input: { id: transaction.merchant_trans_id },
      })
      return result.id
    })
    await service.updateClickTransactions({ id: transaction.id, order_id: orderId, last_error: null })
    return { orderId, error: null }
  } catch (error) {
    const message = `order placement failed: ${(error as Error)?.message ?? String(error)}`.slice(0, 1000)
    log.error({ merchant_trans_id: transaction.merchant_trans_id, err: message }, "order placement failed")
    await service.updateClickTransactions({ id: transaction.id, last_error: message })
    return { orderId: null, error: message }
  }
}
