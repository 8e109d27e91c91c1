import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { clickMerchantGateway } from "../providers/click/merchant-gateway"
import { runDueWork } from "../payments/due-work"
import { reconcileClickPayment } from "../payments/money-back/reconcile-payment"

/** Every Prepare whose Complete has not come after `reconcileAfterSec` is looked up at Click. */
export default async function reconcileClickPayments(container: MedusaContainer) {
  const log = clickLogger.child({ job: "reconcile-click-payments" })
  const { reconcileAfterSec } = clickMerchantGateway()
  await runDueWork(container, ClickPaymentState.Prepared, (id) => reconcileClickPayment(container, id, log), log, {
    olderThanSec: reconcileAfterSec,
  })
}

export const config = {
  name: "click-reconcile-payments",
  schedule: process.env.CLICK_RECONCILE_CRON || "0 * * * * *",
}
