import { DebitVia, type DebitViaValue } from "../modules/click"

/**
 * Timings and limits of the payment flow, in one place. Most are read from the
 * environment (documented in README.md and .env.example) so that operators
 * and tests can tighten them without code; the rest are fixed.
 */
export interface PaymentPolicy {
  /** How long a claim on a payment's work lasts without renewal: a dead process's claim runs out after this. */
  leaseSec: number
  /** After this many failed attempts the payment is refunded instead (refund_required, unplaceable). */
  maxAttempts: number
  /** Wait before the attempt after `attempt` failed: doubling from the base, at most an hour. */
  retryDelaySec(attempt: number): number
  /**
   * Wait before asking Click again about a confirmed debit it reports in
   * progress: as retryDelaySec, but a saved-card debit's shopper waits at
   * checkout, so it is asked again sooner (doubling from 2 s).
   */
  verificationWaitSec(attempt: number, debitVia: DebitViaValue): number
  /**
   * How long a Prepare without its Complete keeps the cart frozen (no new
   * session, no cart edits). Click normally completes within minutes; after
   * this the shopper may change the cart, and a late debit is refunded.
   */
  preparedHoldSec: number
  /** Attempts at reaching Click's Merchant API for one reversal before a person is asked to act. */
  reversalMaxAttempts: number
  /**
   * A reversal whose answer was lost is settled by Click's payment/status only
   * this long after it was sent (Click may still be processing it); until
   * then no other reversal of that payment is sent.
   */
  reversalSettleAfterSec: number
  /** Placements after Click's answer running at once per process, 0: no limit (ClickPlacementSchedulerService). */
  placementConcurrency: number
  /** At most this long a placement after Click's answer waits for the callbacks in flight (ClickPlacementSchedulerService), 0: no wait. */
  placementYieldMs: number
  /**
   * How long a recovery job waits for one payment's work before it goes on to
   * the next (due-work.ts): a Click call that hangs delays its own payment,
   * not the batch. The work itself runs on, under its claim.
   */
  jobRowTimeoutSec: number
  /** Payments one run of a recovery job takes up, oldest first (fixed). */
  jobBatchSize: number
  /** A fiscal receipt Click did not take after this many tries (network, 5xx) needs a person (fixed). */
  fiscalMaxAttempts: number
  /**
   * A refunded sale's receipt is not claimed again (claimFiscalWork); it is
   * looked at after this long only in case its refund did not happen after all (fixed).
   */
  refundedSaleRecheckSec: number
  /**
   * How long a storefront's cart completion waits for a placement already
   * running elsewhere, asking every `storefrontPlacementPollMs` (fixed).
   */
  storefrontPlacementWaitMs: number
  storefrontPlacementPollMs: number
  /**
   * The status route asks Click's invoice/status about a waiting invoice at
   * most this often per cart; storefronts poll every second (fixed).
   */
  invoiceStatusRefreshMs: number
  /**
   * A saved-card debit whose answer was lost (the attempt still `prepared`) is
   * asked about at Click this long after it was sent: no Complete will come,
   * and the client gave up on card_token/payment's answer well before (fixed).
   */
  cardTokenReconcileAfterSec: number
}

const MAX_RETRY_DELAY_SEC = 3600
const CARD_TOKEN_WAIT_BASE_SEC = 2

function positiveNumber(raw: string | undefined, fallback: number): number {
  const value = Number(raw)
  return raw && Number.isFinite(value) && value > 0 ? value : fallback
}

/** Like positiveNumber, where 0 is a setting of its own ("no limit", "no wait"). */
function nonNegativeNumber(raw: string | undefined, fallback: number): number {
  return raw?.trim() === "0" ? 0 : positiveNumber(raw, fallback)
}

export function paymentPolicy(env: NodeJS.ProcessEnv = process.env): PaymentPolicy {
  const baseSec = positiveNumber(env.CLICK_PLACEMENT_RETRY_BASE_SEC, 30)
  const retryDelaySec = (attempt: number) => Math.min(baseSec * 2 ** Math.max(attempt - 1, 0), MAX_RETRY_DELAY_SEC)
  return {
    leaseSec: positiveNumber(env.CLICK_PLACEMENT_LEASE_SEC, 30),
    maxAttempts: Math.floor(positiveNumber(env.CLICK_PLACEMENT_MAX_ATTEMPTS, 8)),
    retryDelaySec,
    verificationWaitSec: (attempt, debitVia) =>
      debitVia === DebitVia.CardToken ? Math.min(CARD_TOKEN_WAIT_BASE_SEC * 2 ** Math.max(attempt - 1, 0), retryDelaySec(attempt)) : retryDelaySec(attempt),
    preparedHoldSec: positiveNumber(env.CLICK_PREPARED_HOLD_SEC, 900),
    reversalMaxAttempts: Math.floor(positiveNumber(env.CLICK_REVERSAL_MAX_ATTEMPTS, 10)),
    reversalSettleAfterSec: positiveNumber(env.CLICK_REVERSAL_SETTLE_AFTER_SEC, 300),
    placementConcurrency: Math.floor(nonNegativeNumber(env.CLICK_PLACEMENT_CONCURRENCY, 0)),
    placementYieldMs: nonNegativeNumber(env.CLICK_PLACEMENT_YIELD_MS, 2000),
    jobRowTimeoutSec: positiveNumber(env.CLICK_JOB_ROW_TIMEOUT_SEC, 60),
    jobBatchSize: 50,
    fiscalMaxAttempts: 10,
    refundedSaleRecheckSec: 3600,
    storefrontPlacementWaitMs: 10_000,
    storefrontPlacementPollMs: 200,
    invoiceStatusRefreshMs: 3000,
    cardTokenReconcileAfterSec: 60,
  }
}

/** How long the callback audit (click_callback) keeps its rows. */
export interface AuditRetention {
  /** Callbacks that passed signature verification: Click's own, kept for disputes. */
  verifiedDays: number
  /** Callbacks that failed it: scanners and mistakes, kept briefly. */
  unverifiedDays: number
}

export function auditRetention(env: NodeJS.ProcessEnv = process.env): AuditRetention {
  return {
    verifiedDays: positiveNumber(env.CLICK_AUDIT_RETENTION_DAYS, 400),
    unverifiedDays: positiveNumber(env.CLICK_UNSIGNED_AUDIT_RETENTION_DAYS, 7),
  }
}
