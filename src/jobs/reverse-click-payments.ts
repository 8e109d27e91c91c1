import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { runDueWork } from "../payments/due-work"
import { reverseClickPayment } from "../payments/money-back/reverse-payment"

/** Every refund_required Click payment gets its money back through Click's Merchant API, once. */
export default async function reverseClickPayments(container: MedusaContainer) {
  const log = clickLogger.child({ job: "reverse-click-payments" })
  await runDueWork(container, ClickPaymentState.RefundRequired, (id) => reverseClickPayment(container, id, log), log)
}

export const config = {
  name: "click-reverse-payments",
  schedule: process.env.CLICK_REVERSAL_CRON || "*/30 * * * * *",
}
