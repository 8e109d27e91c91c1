import type { MedusaContainer } from "@medusajs/framework/types"
import { completeCartWorkflow } from "@medusajs/medusa/core-flows"
import type { Logger } from "pino"
import { withClickCartLock } from "../callbacks/cart-lock"
import { clickModule, type ClickTransactionRecord } from "../callbacks/click-transactions"
import { ClickTransactionState } from "../modules/click"

export interface PlaceOrderResult {
  orderId: string | null
  error: string | null
}

/**
 * Turns a confirmed Click payment into its cart's order, with Medusa's own
 * completeCartWorkflow, under the per-cart Click lock. Idempotent: safe to call
 * again from a repeated Complete, a storefront completion or a recovery job.
 */
export async function placeOrderForClickPayment(
  container: MedusaContainer,
  input: { transactionId: string },
  log: Logger
): Promise<PlaceOrderResult> {
  const { merchant_trans_id: cartId } = await clickModule(container).retrieveClickTransaction(
    input.transactionId,
    { select: ["merchant_trans_id"] }
  )
  return withClickCartLock(container, cartId, async () =>
    placeOrderUnderLock(
      container,
      await clickModule(container).retrieveClickTransaction(input.transactionId),
      log
    )
  )
}

/**
 * The same, for a caller that already holds the cart's Click lock. Failures
 * are recorded on the transaction, never thrown: Click already has the money.
 */
export async function placeOrderUnderLock(
  container: MedusaContainer,
  transaction: ClickTransactionRecord,
  log: Logger
): Promise<PlaceOrderResult> {
  if (transaction.state !== ClickTransactionState.Confirmed) {
    return { orderId: null, error: `transaction is ${transaction.state}, not confirmed` }
  }
  if (transaction.order_id) {
    return { orderId: transaction.order_id, error: null }
  }
  const service = clickModule(container)
  try {
    // completeCartWorkflow returns the existing order if the cart already has one.
    const { result } = await completeCartWorkflow(container).run({
      input: { id: transaction.merchant_trans_id },
    })
    await service.updateClickTransactions({ id: transaction.id, order_id: result.id, last_error: null })
    return { orderId: result.id, error: null }
  } catch (error) {
    const message = `order placement failed: ${(error as Error)?.message ?? String(error)}`.slice(0, 1000)
    log.error({ merchant_trans_id: transaction.merchant_trans_id, err: message }, "order placement failed")
    await service.updateClickTransactions({ id: transaction.id, last_error: message })
    return { orderId: null, error: message }
  }
}
