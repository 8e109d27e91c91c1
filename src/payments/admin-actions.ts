import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickMerchantApiError } from "../click"
import { ClickPaymentState } from "../modules/click"
import { clickMerchantGateway } from "../providers/click/merchant-gateway"
import { clickModule } from "./click-transactions"
import { placeClickOrder, type PlacementOutcome } from "./place-order"
import { reconcileClickPayment, type ReconcileOutcome } from "./reconcile-payment"
import { reverseClickPayment, type ReversalOutcome } from "./reverse-payment"

export type AdminRetryResult =
  | { action: "place_order"; outcome: PlacementOutcome }
  | { action: "reverse"; outcome: ReversalOutcome }
  | { action: "none"; reason: string }

/**
 * A person's "Retry": the work the payment's state waits for, now, through
 * the same claimed path the jobs use (so it is idempotent, and never runs
 * beside a process already working on it). `confirmed`: place the order.
 * `refund_required`: reverse at Click. `reversal_failed`: back to
 * `refund_required` (the refund decision stands), then reverse.
 */
export async function retryClickPayment(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<AdminRetryResult> {
  const payments = clickModule(container)
  const { state } = await payments.retrieveClickTransaction(transactionId, { select: ["state"] })
  if (state === ClickPaymentState.Confirmed) {
    await payments.expediteWork(transactionId, ClickPaymentState.Confirmed)
    return { action: "place_order", outcome: await placeClickOrder(container, transactionId, log) }
  }
  if (state === ClickPaymentState.ReversalFailed) {
    await payments.transition({
      id: transactionId,
      from: ClickPaymentState.ReversalFailed,
      to: ClickPaymentState.RefundRequired,
      reason: "retried_by_admin",
    })
  }
  if (state === ClickPaymentState.ReversalFailed || state === ClickPaymentState.RefundRequired) {
    await payments.expediteWork(transactionId, ClickPaymentState.RefundRequired)
    return { action: "reverse", outcome: await reverseClickPayment(container, transactionId, log) }
  }
  return { action: "none", reason: `Nothing to retry: the payment is ${state}.` }
}

export type AdminReconcileResult =
  | { action: "reconcile"; outcome: ReconcileOutcome }
  | { action: "status"; click: { payment_status: number; error_note: string | null } }
  | { action: "none"; reason: string }

/**
 * A person's "Reconcile": ask Click now. A `prepared` payment (no Complete
 * yet) goes through the reconciliation the job runs, which can confirm it (and
 * place its order) or, after Click's repeated "no", cancel it; one that was
 * no longer asked (in progress past the horizon) is asked again from now on.
 * For any other payment Click's status is only reported: the state already
 * follows from what Click told us.
 */
export async function reconcileClickPaymentNow(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<AdminReconcileResult> {
  const payments = clickModule(container)
  const transaction = await payments.retrieveClickTransaction(transactionId, {
    select: ["state", "service_id", "click_paydoc_id", "reconcile_stalled_at"],
  })
  if (transaction.state === ClickPaymentState.Prepared) {
    if (transaction.reconcile_stalled_at) {
      // Click kept it in progress past the horizon; a person asks for it to be asked again.
      await payments.resumeReconciliation(transactionId)
    }
    await payments.expediteWork(transactionId, ClickPaymentState.Prepared)
    return { action: "reconcile", outcome: await reconcileClickPayment(container, transactionId, log) }
  }
  if (!transaction.click_paydoc_id) {
    return { action: "none", reason: "Click sent no payment id (click_paydoc_id) for this attempt." }
  }
  try {
    const answer = await clickMerchantGateway(transaction.service_id).api.paymentStatus(transaction.click_paydoc_id)
    return { action: "status", click: { payment_status: answer.paymentStatus, error_note: answer.errorNote ?? null } }
  } catch (error) {
    if (error instanceof ClickMerchantApiError) {
      return { action: "none", reason: `Click did not answer the status request: ${error.errorNote ?? error.message}` }
    }
    throw error
  }
}
