import type { MedusaContainer } from "@medusajs/framework/types"
import { clickModule } from "../payments/click-transactions"
import { placeClickOrder } from "../payments/place-order"
import { clickLogger } from "../lib/logger"

const BATCH = 50

/**
 * Recovery: every confirmed Click payment whose placement is due (never
 * tried, its lease run out because a process died, or its backoff over) gets
 * another attempt. Rows in backoff or refused for good are not selected, so
 * they cannot starve newer ones; each row is claimed before it is worked on,
 * so several processes running this job never place the same order twice;
 * and one row's failure does not stop the batch.
 */
export default async function placeConfirmedClickOrders(container: MedusaContainer) {
  const log = clickLogger.child({ job: "place-confirmed-click-orders" })
  const due = await clickModule(container).listDuePlacements(BATCH)
  for (const transactionId of due) {
    try {
      const outcome = await placeClickOrder(container, transactionId, log)
      if (outcome.status === "placed") {
        log.info({ transaction_id: transactionId, order_id: outcome.orderId }, "confirmed payment's order placed")
      }
    } catch (error) {
      log.error({ transaction_id: transactionId, err: (error as Error)?.message }, "placement attempt failed to run")
    }
  }
}

export const config = {
  name: "click-place-confirmed-orders",
  schedule: process.env.CLICK_ORDER_RETRY_CRON || "*/30 * * * * *",
}
