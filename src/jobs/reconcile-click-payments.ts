import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { clickMerchantGateways } from "../providers/click/merchant-gateway"
import { runDueWork } from "../payments/due-work"
import { paymentPolicy } from "../payments/policy"
import { reconcileClickPayment } from "../payments/money-back/reconcile-payment"

/**
 * Every Prepare whose Complete has not come after `reconcileAfterSec` is looked
 * up at Click: each Click service's payments after its own delay (several
 * services: README "Several Click services"); a saved-card debit whose answer
 * was lost, after `cardTokenReconcileAfterSec` (or that delay, when shorter).
 */
export default async function reconcileClickPayments(container: MedusaContainer) {
  const log = clickLogger.child({ job: "reconcile-click-payments" })
  const gateways = clickMerchantGateways()
  for (const { serviceId, reconcileAfterSec } of gateways) {
    await runDueWork(container, ClickPaymentState.Prepared, (id) => reconcileClickPayment(container, id, log), log, {
      olderThanSec: reconcileAfterSec,
      cardTokenOlderThanSec: Math.min(reconcileAfterSec, paymentPolicy().cardTokenReconcileAfterSec),
      service: { id: serviceId, only: gateways.length === 1 },
    })
  }
}

export const config = {
  name: "click-reconcile-payments",
  schedule: process.env.CLICK_RECONCILE_CRON || "0 * * * * *",
}
