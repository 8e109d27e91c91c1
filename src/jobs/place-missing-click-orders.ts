import type { MedusaContainer } from "@medusajs/framework/types"
import { clickModule } from "../callbacks/click-transactions"
import { UNPLACEABLE_PREFIX } from "../callbacks/confirmation-stamp"
import { clickLogger } from "../lib/logger"
import { ClickTransactionState } from "../modules/click"
import { placeOrderForClickPayment } from "../workflows/place-order-for-click-payment"

const BATCH = 20

/**
 * Click has the money of every confirmed transaction; one without an order
 * (placement failed, or the process died right after confirming) gets its
 * order here, under the same lock as the callbacks. Payments that can never
 * become an order (the cart changed after Prepare) wait for the refund job.
 */
export default async function placeMissingClickOrders(container: MedusaContainer) {
  const log = clickLogger.child({ job: "place-missing-click-orders" })
  const stuck = await clickModule(container).listClickTransactions(
    { state: ClickTransactionState.Confirmed, order_id: null },
    { take: BATCH, order: { confirmed_at: "ASC" } }
  )
  for (const transaction of stuck) {
    if (transaction.last_error?.startsWith(UNPLACEABLE_PREFIX)) {
      continue
    }
    const { orderId } = await placeOrderForClickPayment(container, { transactionId: transaction.id }, log)
    if (orderId) {
      log.info({ merchant_trans_id: transaction.merchant_trans_id, order_id: orderId }, "missing order placed")
    }
  }
}

export const config = {
  name: "click-place-missing-orders",
  schedule: process.env.CLICK_ORDER_RETRY_CRON || "* * * * *",
}
