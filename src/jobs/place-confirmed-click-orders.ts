import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { runDueWork } from "../payments/due-work"
import { placeClickOrder } from "../payments/place-order"

/** Every confirmed (debited) Click payment whose order placement is due gets another attempt. */
export default async function placeConfirmedClickOrders(container: MedusaContainer) {
  const log = clickLogger.child({ job: "place-confirmed-click-orders" })
  await runDueWork(container, ClickPaymentState.Confirmed, (id) => placeClickOrder(container, id, log), log)
}

export const config = {
  name: "click-place-confirmed-orders",
  schedule: process.env.CLICK_ORDER_RETRY_CRON || "*/30 * * * * *",
}
