import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { runDueFiscalWork } from "../payments/due-work"
import { submitFiscalReceipt } from "../payments/fiscal/fiscal-receipt"

/** Every placed Click order whose fiscal receipt is pending gets it sent to Click (fiscalization on). */
export default async function submitClickFiscalReceipts(container: MedusaContainer) {
  const log = clickLogger.child({ job: "submit-click-fiscal-receipts" })
  await runDueFiscalWork(container, (id) => submitFiscalReceipt(container, id, log), log)
}

export const config = {
  name: "click-submit-fiscal-receipts",
  schedule: process.env.CLICK_FISCAL_CRON || "*/30 * * * * *",
}
