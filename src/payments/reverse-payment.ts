import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickMerchantApiError, ClickPaymentStatus } from "../click"
import { ClickPaymentState, PAYING_STATES, type WorkClaim } from "../modules/click"
import { clickMerchantGateway } from "../providers/click/merchant-gateway"
import { clickModule } from "./click-transactions"
import { paymentPolicy } from "./policy"
import { withWorkClaim } from "./work-claim"

export type ReversalOutcome = "reversed" | "reversal_failed" | "retrying" | "duplicate" | "not_due"

/**
 * Gives the money of a `refund_required` payment back through Click's
 * Merchant API, exactly once: the work is claimed (one process at a time),
 * and every attempt first asks Click for the payment's status, so an attempt
 * whose answer was lost (Click reversed, we never heard) is not repeated.
 * Click refusing ends in `reversal_failed` with Click's reason, for a person;
 * Click being unreachable is retried with backoff, and after
 * CLICK_REVERSAL_MAX_ATTEMPTS also ends in `reversal_failed`.
 */
export async function reverseClickPayment(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<ReversalOutcome> {
  const claimed = await withWorkClaim(
    container,
    transactionId,
    ClickPaymentState.RefundRequired,
    paymentPolicy().leaseSec,
    log,
    (claim) => reverseUnderClaim(container, claim, log)
  )
  return claimed?.result ?? "not_due"
}

async function reverseUnderClaim(container: MedusaContainer, claim: WorkClaim, log: Logger): Promise<ReversalOutcome> {
  const payments = clickModule(container)
  const transaction = await payments.retrieveClickTransaction(claim.id)
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
  if (!transaction.click_paydoc_id) {
    return fail("Click sent no click_paydoc_id for this payment: reverse it in the Click merchant cabinet")
  }
  const paydocId = transaction.click_paydoc_id
  const twin = await payments.findDebitedTwin(transaction)
  if (twin && PAYING_STATES.includes(twin.state)) {
    // Click repeated Prepare under a new click_trans_id: this paydoc is the money
    // of an attempt that paid (or is paying) its order. It is never reversed here.
    const detail = `not reversed: click_paydoc_id ${paydocId} is also attempt ${twin.id}, which is ${twin.state}`
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.RefundRequired,
      to: ClickPaymentState.Duplicate,
      reason: "same_click_payment",
      detail,
      set: { last_error: detail },
    })
    log.warn({ ...fields, twin: twin.id }, "Click payment not reversed: it pays another attempt's order")
    return "duplicate"
  }
  const reversed = async (reason: string, detail?: string) => {
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.RefundRequired,
      to: ClickPaymentState.Reversed,
      reason,
      detail,
      set: { last_error: null },
    })
    log.warn({ ...fields, click_paydoc_id: paydocId }, "Click payment reversed")
    return "reversed" as const
  }
  try {
    const { api } = clickMerchantGateway(transaction.service_id)
    const { paymentStatus, errorNote } = await api.paymentStatus(paydocId)
    if (paymentStatus < 0) {
      // Click holds no money for it any more: an earlier attempt reversed it.
      return reversed("click_reports_reversed", errorNote ?? `payment_status ${paymentStatus}`)
    }
    if (paymentStatus !== ClickPaymentStatus.Success) {
      return retry(container, claim, `Click reports payment_status ${paymentStatus}: not reversible yet`, log)
    }
    await api.reversePayment(paydocId)
    return reversed("reversed")
  } catch (error) {
    if (error instanceof ClickMerchantApiError && error.kind === "refused") {
      if (await isReversedAtClick(transaction.service_id, paydocId)) {
        // The refusal answers a repeat: an earlier request's answer was lost after Click reversed.
        return reversed("click_reports_reversed", error.errorNote ?? error.message)
      }
      const code = error.errorCode !== null ? ` (error_code ${error.errorCode})` : ""
      return fail(`Click refused the reversal: ${error.errorNote ?? error.message}${code}`)
    }
    const message = (error as Error)?.message ?? String(error)
    if (claim.attempt >= paymentPolicy().reversalMaxAttempts) {
      return fail(`Click's Merchant API did not answer after ${claim.attempt} attempts: ${message}`)
    }
    return retry(container, claim, message, log)
  }
}

async function isReversedAtClick(serviceId: string | null, paydocId: string): Promise<boolean> {
  try {
    return (await clickMerchantGateway(serviceId).api.paymentStatus(paydocId)).paymentStatus < 0
  } catch {
    return false
  }
}

async function retry(container: MedusaContainer, claim: WorkClaim, message: string, log: Logger): Promise<ReversalOutcome> {
  const retryInSec = paymentPolicy().retryDelaySec(claim.attempt)
  log.warn({ merchant_trans_id: claim.merchant_trans_id, attempt: claim.attempt, retry_in_sec: retryInSec, err: message }, "Click reversal delayed")
  await clickModule(container).rescheduleWork(claim, retryInSec, `reversal delayed: ${message}`)
  return "retrying"
}
