import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { followMissedClickRefunds } from "../payments/money-back/admin-refunds"

/** A refund Medusa recorded ends the Click payment reversed even when its payment.refunded event was lost. */
export default async function followClickRefunds(container: MedusaContainer) {
  await followMissedClickRefunds(container, clickLogger.child({ job: "follow-click-refunds" }))
}

export const config = {
  name: "click-follow-refunds",
  schedule: process.env.CLICK_REFUND_FOLLOW_CRON || "0 * * * * *",
}
