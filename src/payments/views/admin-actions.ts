import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { MedusaError } from "@medusajs/framework/utils"
import { ClickMerchantApiError } from "../../click"
import { ClickPaymentState, type ClickPaymentStateValue } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import { clickModule } from "../click-transactions"
import { reversalDatabase, reversalsOf, ReversalStatus, settleReversalOnPersonsWord, type PersonsWord } from "../money-back/click-reversals"
import { placeClickOrder, type PlacementOutcome } from "../placement/place-order"
import { reconcileClickPayment, type ReconcileOutcome } from "../money-back/reconcile-payment"
import { reverseClickPayment, type ReversalOutcome } from "../money-back/reverse-payment"

export type AdminRetryResult =
  | { action: "place_order"; outcome: PlacementOutcome }
  | { action: "reverse"; outcome: ReversalOutcome }
  | { action: "none"; reason: string }

/** The states a person's Retry acts on (the admin's Retry button, src/admin/lib/click-states.ts, follows this list). */
export const RETRYABLE_STATES: readonly ClickPaymentStateValue[] = [
  ClickPaymentState.Confirmed,
  ClickPaymentState.RefundRequired,
  ClickPaymentState.ReversalFailed,
]

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
  if (!RETRYABLE_STATES.includes(state)) {
    return { action: "none", reason: `Nothing to retry: the payment is ${state}.` }
  }
  if (state === ClickPaymentState.Confirmed) {
    await payments.workQueue.expediteWork(transactionId, ClickPaymentState.Confirmed)
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
  await payments.workQueue.expediteWork(transactionId, ClickPaymentState.RefundRequired)
  return { action: "reverse", outcome: await reverseClickPayment(container, transactionId, log) }
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
    await payments.workQueue.expediteWork(transactionId, ClickPaymentState.Prepared)
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

/**
 * A person's "Refunded outside Click": Click refused to reverse the payment
 * (its reason is on the payment), and the money went back another way (a bank
 * transfer, cash). The payment ends `refunded_outside_click`, with who and
 * when in its audit row; an order cancellation that waited on the refund then
 * completes without asking Click again (the provider's refundPayment). Only
 * for a refusal Click actually gave: never while a reversal of the payment
 * may still have happened at Click (uncertain), so the money never goes back
 * twice.
 */
export async function recordRefundedOutsideClick(
  container: MedusaContainer,
  transactionId: string,
  recordedBy: string,
  note: string | undefined
): Promise<void> {
  const payments = clickModule(container)
  const { state } = await payments.retrieveClickTransaction(transactionId, { select: ["state"] })
  const reversals = await reversalsOf(reversalDatabase(container), transactionId)
  if (reversals.some((reversal) => reversal.status === ReversalStatus.Sent)) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "A reversal of this payment is waiting for Click's answer: Click may have returned the money. Wait until Click's status settles it."
    )
  }
  if (state === ClickPaymentState.Placed) {
    const refusal = reversals.filter((reversal) => reversal.status === ReversalStatus.Refused).at(-1)
    if (!refusal) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "Click has not refused a refund of this order: refund or cancel the order, so that Click reverses the payment."
      )
    }
    const detail = `Click refused the refund: ${refusal.click_answer ?? "no reason given"}`
    await payments.transition({
      id: transactionId,
      from: ClickPaymentState.Placed,
      to: ClickPaymentState.ReversalFailed,
      reason: "click_refused",
      detail,
      set: { refund_reason: "refunded_by_admin", last_error: detail },
    })
  } else if (state !== ClickPaymentState.ReversalFailed) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Only a payment whose reversal Click refused can be recorded as refunded outside Click; this one is ${state}.`
    )
  }
  const moved = await payments.transition({
    id: transactionId,
    from: ClickPaymentState.ReversalFailed,
    to: ClickPaymentState.RefundedOutsideClick,
    reason: "refunded_outside_click",
    detail: `recorded by ${recordedBy}${note ? `: ${note}` : ""}`,
  })
  if (!moved) {
    throw new MedusaError(MedusaError.Types.CONFLICT, "The payment changed meanwhile (a retried reversal?): reload it and look again.")
  }
}

/**
 * A person's "Settle" of a partial reversal whose answer was lost, after
 * looking it up in Click's merchant cabinet (Click's payment/status cannot
 * tell): `done` counts it toward the reversed sum, and a refund of its amount
 * asked again in Medusa is then recorded without a second reversal; `not_done`
 * frees the payment for a new reversal. Recorded with who and what they saw;
 * nothing is sent to Click, and the payment's state is left to its own path
 * (the reversal job, an admin refund).
 */
export async function settleReversalByPerson(
  container: MedusaContainer,
  transactionId: string,
  reversalId: string,
  outcome: PersonsWord,
  settledBy: string,
  note: string
): Promise<void> {
  const result = await settleReversalOnPersonsWord(reversalDatabase(container), { transactionId, reversalId, outcome, settledBy, note })
  if (!result.settled) {
    throw new MedusaError(result.refusal === "not_found" ? MedusaError.Types.NOT_FOUND : MedusaError.Types.NOT_ALLOWED, result.detail)
  }
}
