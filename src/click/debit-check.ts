import { ClickMerchantApiError, ClickPaymentStatus, type ClickPaymentStatusAnswer } from "./merchant-api"

/**
 * What Click's Merchant API says about a debit that a Complete reported.
 *
 * Click does not sign Complete's `error` field: a captured Complete with
 * `error=-5017`, replayed with `error=0` inside the sign_time window, carries
 * a valid signature. Only `payment/status` proves that money was taken.
 *
 * - `paid`: Click reports `payment_status` 2. The order may be placed.
 * - `contradicted`: Click answered, and its answer says no money was taken:
 *   a negative `payment_status`, or an explicit "not found" for the payment
 *   number (HTTP 404 with Click's own error body). No order, ever.
 * - `wait`: nothing is known yet. The payment is still in progress
 *   (`payment_status` 0 or 1), or there is no usable answer: unreachable,
 *   timed out, 5xx, our own credentials or clock refused (401/403), another
 *   4xx, a redirect, a 200 with an error code, an answer that cannot be read.
 *   Never a decision about the money: ask again later.
 */
export type DebitVerdict =
  | { verdict: "paid" }
  | { verdict: "wait"; reason: string }
  | {
      verdict: "contradicted"
      /** Click's payment_status, or null when Click knows no such payment. */
      paymentStatus: number | null
      /** Click's answer as received (error_code and error_note), for the people who look at it. */
      answer: string
    }

/** The verdict on Click's payment/status answer for the payment a Complete named. */
export function judgeDebitStatus(answer: Pick<ClickPaymentStatusAnswer, "paymentStatus" | "errorNote">): DebitVerdict {
  const note = answer.errorNote ? ` (${answer.errorNote})` : ""
  if (answer.paymentStatus === ClickPaymentStatus.Success) {
    return { verdict: "paid" }
  }
  if (answer.paymentStatus < 0) {
    return {
      verdict: "contradicted",
      paymentStatus: answer.paymentStatus,
      answer: `payment_status ${answer.paymentStatus}${note}`,
    }
  }
  if (answer.paymentStatus === ClickPaymentStatus.Created || answer.paymentStatus === ClickPaymentStatus.Processing) {
    return { verdict: "wait", reason: `Click reports the payment in progress: payment_status ${answer.paymentStatus}${note}` }
  }
  // A status Click does not document says nothing for sure.
  return { verdict: "wait", reason: `Click reports an unknown payment_status ${answer.paymentStatus}${note}` }
}

/** The verdict when the payment/status request failed. */
export function judgeDebitLookupFailure(error: unknown): DebitVerdict {
  if (isExplicitNotFound(error)) {
    const { errorCode, errorNote } = error
    return {
      verdict: "contradicted",
      paymentStatus: null,
      answer: `not found: HTTP 404, error_code ${errorCode}${errorNote ? ` (${errorNote})` : ""}`,
    }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { verdict: "wait", reason: `Click's Merchant API gave no usable answer: ${message}` }
}

/**
 * Click's explicit "no such payment": HTTP 404 carrying Click's error body
 * (a non-zero `error_code`). A bare 404 (a proxy, a wrong base URL) has no
 * error code and proves nothing.
 */
export function isExplicitNotFound(error: unknown): error is ClickMerchantApiError {
  return (
    error instanceof ClickMerchantApiError &&
    error.kind === "refused" &&
    error.httpStatus === 404 &&
    error.errorCode !== null &&
    error.errorCode !== 0
  )
}
