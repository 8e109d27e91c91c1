import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickPaymentState, type WorkClaim } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import { clickModule, type ClickTransactionRecord } from "../click-transactions"
import { reversalDatabase, reversalDecision, reverseAtClick } from "./click-reversals"
import { paymentPolicy } from "../policy"
import { workOnClaimedPayment } from "../work-claim"

export type ReversalOutcome = "reversed" | "reversal_failed" | "retrying" | "duplicate" | "not_due"

/**
 * Gives the money of a `refund_required` payment back through Click's
 * Merchant API, at most once: the work is claimed (one process at a time) and
 * the reversal goes through click-reversals.ts (an intent row before the
 * request, Click's status before any repeat). Click refusing ends in
 * `reversal_failed` with Click's reason, for a person; a reversal whose answer
 * was lost waits for Click's status to settle it, and is never a failure;
 * Click being unreachable before anything was sent is retried with backoff,
 * and after CLICK_REVERSAL_MAX_ATTEMPTS ends in `reversal_failed`.
 */
export async function reverseClickPayment(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<ReversalOutcome> {
  return workOnClaimedPayment(container, transactionId, ClickPaymentState.RefundRequired, log, (claim, transaction) =>
    reverseUnderClaim(container, claim, transaction, log)
  )
}

async function reverseUnderClaim(
  container: MedusaContainer,
  claim: WorkClaim,
  transaction: ClickTransactionRecord,
  log: Logger
): Promise<ReversalOutcome> {
  const payments = clickModule(container)
  const fields = { merchant_trans_id: transaction.merchant_trans_id, refund_reason: transaction.refund_reason }
  const fail = async (detail: string) => {
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.RefundRequired,
      to: ClickPaymentState.ReversalFailed,
      reason: "click_refused",
      detail,
      set: { last_error: detail },
    })
    log.error({ ...fields, err: detail }, "Click payment could not be reversed: a person has to act")
    return "reversal_failed" as const
  }
  const decision = reversalDecision(transaction, await payments.findDebitedTwin(transaction))
  if (!decision.send) {
    if (decision.because !== "pays_another_attempt") {
      return fail(decision.detail)
    }
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.RefundRequired,
      to: ClickPaymentState.Duplicate,
      reason: "same_click_payment",
      detail: decision.detail,
      set: { last_error: decision.detail },
    })
    log.warn({ ...fields, twin: decision.twin.id }, "Click payment not reversed: it pays another attempt's order")
    return "duplicate"
  }
  const { target } = decision
  const reversed = async (reason: string, detail?: string) => {
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.RefundRequired,
      to: ClickPaymentState.Reversed,
      reason,
      detail,
      set: { last_error: null },
    })
    log.warn({ ...fields, click_paydoc_id: target.paydocId }, "Click payment reversed")
    return "reversed" as const
  }
  const { api } = clickMerchantGateway(transaction.service_id)
  const attempt = await reverseAtClick(reversalDatabase(container), api, target, {
    requestedBy: `refund_required:${transaction.refund_reason ?? "unknown"}`,
  })
  switch (attempt.outcome) {
    case "done":
      return reversed(attempt.sent ? "reversed" : "click_reports_reversed")
    case "refused":
      return fail(`Click refused the reversal: ${attempt.errorNote}${attempt.errorCode !== null ? ` (error_code ${attempt.errorCode})` : ""}`)
    case "exceeds_captured":
      return fail(`not reversed: ${attempt.detail}`)
    case "uncertain": {
      // Never a failure: Click may have reversed it, so nobody may return the money another way yet.
      const dueInSec = Math.max(1, Math.ceil((attempt.settlesAfter.getTime() - Date.now()) / 1000))
      log.warn({ ...fields, settles_in_sec: dueInSec }, "Click reversal uncertain: its answer was lost")
      await payments.workQueue.rescheduleWork(claim, dueInSec, `reversal uncertain: ${attempt.detail}`)
      return "retrying"
    }
    case "not_sent":
      if (claim.attempt >= paymentPolicy().reversalMaxAttempts) {
        return fail(`Click's Merchant API did not answer after ${claim.attempt} attempts: ${attempt.detail}`)
      }
      return retry(container, claim, attempt.detail, log)
  }
}

async function retry(container: MedusaContainer, claim: WorkClaim, message: string, log: Logger): Promise<ReversalOutcome> {
  const retryInSec = paymentPolicy().retryDelaySec(claim.attempt)
  log.warn({ merchant_trans_id: claim.merchant_trans_id, attempt: claim.attempt, retry_in_sec: retryInSec, err: message }, "Click reversal delayed")
  await clickModule(container).workQueue.rescheduleWork(claim, retryInSec, `reversal delayed: ${message}`)
  return "retrying"
}
