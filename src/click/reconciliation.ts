import { isExplicitNotFound } from "./debit-check"
import { ClickMerchantApiError, ClickPaymentStatus } from "./merchant-api"
import { tashkentWallClock } from "./tashkent-time"

/**
 * Reconciliation of a Prepare whose Complete never came: what one lookup at
 * Click's Merchant API says, and what the backend may do about it. Plain
 * rules, no I/O: payments/money-back/reconcile-payment.ts asks Click and stores the streak.
 *
 * Only Click's explicit word counts. "No money was taken" is a negative
 * `payment_status`, or Click's "not found" (for both candidate days when the
 * payment is looked up by our cart id). Anything else that is not an answer
 * about the payment — our own credentials refused (401/403), another 4xx, a
 * redirect, a 5xx, a timeout, an unreadable answer — says nothing and never
 * counts toward cancelling.
 */
export type ClickWord =
  /** payment_status 2. */
  | { word: "paid" }
  /** A negative payment_status, or Click's explicit "not found": Click says no money was taken. */
  | { word: "no"; detail: string }
  /** payment_status 0 or 1 (or one Click does not document): Click is still working on it. */
  | { word: "in_progress"; detail: string }
  /** No usable answer about the payment; `credentials`: Click refused our own credentials (401/403). */
  | { word: "none"; detail: string; credentials: boolean }

/** The word of an answered payment/status. */
export function wordOfPaymentStatus(paymentStatus: number, errorNote: string | null): ClickWord {
  const note = errorNote ? ` (${errorNote})` : ""
  if (paymentStatus === ClickPaymentStatus.Success) return { word: "paid" }
  if (paymentStatus < 0) return { word: "no", detail: `payment_status ${paymentStatus}${note}` }
  return { word: "in_progress", detail: `payment_status ${paymentStatus}${note}` }
}

/** 401/403: Click refused our merchantUserId, secretKey, serviceId or clock. It says nothing about the payment. */
export function isCredentialsRefusal(error: unknown): error is ClickMerchantApiError {
  return error instanceof ClickMerchantApiError && (error.httpStatus === 401 || error.httpStatus === 403)
}

/** The word of a failed lookup: "no" only for Click's explicit not-found, otherwise no word at all. */
export function wordOfLookupFailure(error: unknown): ClickWord {
  // Click's explicit "no such payment" (HTTP 404 with its error body), the same rule as the debit check's.
  if (isExplicitNotFound(error)) {
    return { word: "no", detail: `not found (HTTP 404, error_code ${error.errorCode}${error.errorNote ? `: ${error.errorNote}` : ""})` }
  }
  const detail = error instanceof Error ? error.message : String(error)
  return { word: "none", detail, credentials: isCredentialsRefusal(error) }
}

/**
 * The Tashkent days on which Click may have filed a payment our Prepare saw
 * at `preparedAt` (payment/status_by_mti wants the day): that day, and the
 * neighbouring day across the nearer midnight (Click files the payment just
 * before it sends Prepare, or just after, by its clock).
 */
export function candidatePaymentDays(preparedAt: Date): [Date, Date] {
  const day = 24 * 60 * 60 * 1000
  const { hour } = tashkentWallClock(preparedAt)
  return [preparedAt, new Date(preparedAt.getTime() + (hour < 12 ? -day : day))]
}

/** Consecutive answers of one kind, kept on the payment between lookups. */
export interface ReconcileStreak {
  /** Consecutive "no" answers (a negative payment_status, or not found). Its own counter, not the claim's attempts. */
  noCount: number
  /** When the first of them came. */
  noSince: Date | null
  /** When Click first reported the payment in progress, in a row. */
  inProgressSince: Date | null
}

export const EMPTY_STREAK: ReconcileStreak = { noCount: 0, noSince: null, inProgressSince: null }

export interface ReconcileRules {
  /** Consecutive "no" answers needed to cancel (at least 2). */
  cancelAnswers: number
  /** …and how far apart the first and the last must be, in seconds (default an hour). */
  cancelSpreadSec: number
  /** Click reporting the payment in progress for this long: stop asking, a person looks (default 24 h). */
  inProgressHorizonSec: number
}

export type ReconcileStep =
  | { action: "confirm" }
  | { action: "cancel"; detail: string }
  /** In progress past the horizon: no more lookups; shown as needing attention. */
  | { action: "stall"; detail: string; streak: ReconcileStreak }
  /**
   * Ask again later. `dueWithinSec`: the lookup that could complete a "no"
   * streak should come no later than this (the spread still missing), or null.
   */
  | { action: "wait"; detail: string; streak: ReconcileStreak; dueWithinSec: number | null }

/** What one word does, given the streak so far. */
export function nextReconcileStep(word: ClickWord, streak: ReconcileStreak, now: Date, rules: ReconcileRules): ReconcileStep {
  if (word.word === "paid") return { action: "confirm" }
  if (word.word === "none") {
    // Not an answer about the payment: it neither counts nor breaks a streak.
    return { action: "wait", detail: word.detail, streak, dueWithinSec: null }
  }
  if (word.word === "in_progress") {
    const since = streak.inProgressSince ?? now
    const next: ReconcileStreak = { noCount: 0, noSince: null, inProgressSince: since }
    const forSec = Math.floor((now.getTime() - since.getTime()) / 1000)
    if (forSec >= rules.inProgressHorizonSec) {
      return {
        action: "stall",
        streak: next,
        detail: `Click has reported the payment in progress for ${describeSeconds(forSec)} (${word.detail}): no longer asked; check it in the Click merchant cabinet, then press Reconcile`,
      }
    }
    return { action: "wait", detail: `Click reports ${word.detail}`, streak: next, dueWithinSec: null }
  }
  const noSince = streak.noSince ?? now
  const noCount = streak.noCount + 1
  const next: ReconcileStreak = { noCount, noSince, inProgressSince: null }
  const spreadSec = Math.floor((now.getTime() - noSince.getTime()) / 1000)
  const needed = Math.max(2, rules.cancelAnswers)
  if (noCount >= needed && spreadSec >= rules.cancelSpreadSec) {
    return {
      action: "cancel",
      detail: `Click said no ${noCount} times in a row over ${describeSeconds(spreadSec)}: ${word.detail}`,
    }
  }
  return {
    action: "wait",
    detail: `Click says ${word.detail} (${noCount} of ${needed} answers, over ${describeSeconds(spreadSec)} of ${describeSeconds(rules.cancelSpreadSec)})`,
    streak: next,
    dueWithinSec: Math.max(1, rules.cancelSpreadSec - spreadSec),
  }
}

function describeSeconds(sec: number): string {
  if (sec < 120) return `${sec} s`
  if (sec < 7200) return `${Math.floor(sec / 60)} min`
  return `${Math.floor(sec / 3600)} h`
}
