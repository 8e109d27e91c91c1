import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { runDueQueueWork, runDueWork } from "../payments/due-work"
import { placeClickOrder } from "../payments/placement/place-order"
import { settleQueuedDebits } from "../payments/placement/queued-debits"

/**
 * Every confirmed (debited) Click payment whose order placement is due gets
 * another attempt. First, debits queued behind an attempt that has ended are
 * settled: one that becomes `confirmed` is placed in the same run.
 */
export default async function placeConfirmedClickOrders(container: MedusaContainer) {
  const log = clickLogger.child({ job: "place-confirmed-click-orders" })
  await runDueQueueWork(container, (cartId) => settleQueuedDebits(container, cartId, log), log)
  await runDueWork(container, ClickPaymentState.Confirmed, (id) => placeClickOrder(container, id, log), log)
}

export const config = {
  name: "click-place-confirmed-orders",
  schedule: process.env.CLICK_ORDER_RETRY_CRON || "*/30 * * * * *",
}
