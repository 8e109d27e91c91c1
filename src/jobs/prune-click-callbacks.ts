import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { clickModule } from "../payments/click-transactions"
import { auditRetention } from "../payments/policy"

const DAY_MS = 86_400_000

/** Keeps the callback audit bounded: old rows go, unverified ones much sooner (docs/SECURITY.md). */
export default async function pruneClickCallbacks(container: MedusaContainer) {
  const log = clickLogger.child({ job: "prune-click-callbacks" })
  const retention = auditRetention()
  const now = Date.now()
  const deleted = await clickModule(container).callbackAudit.pruneCallbacks({
    verifiedBefore: new Date(now - retention.verifiedDays * DAY_MS),
    unverifiedBefore: new Date(now - retention.unverifiedDays * DAY_MS),
  })
  if (deleted) log.info({ deleted }, "pruned the callback audit")
}

export const config = {
  name: "click-prune-callbacks",
  schedule: process.env.CLICK_AUDIT_PRUNE_CRON || "0 3 * * *",
}
