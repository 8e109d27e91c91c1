import type { Context, Logger } from "@medusajs/framework/types"
import {
  generateEntityId,
  InjectManager,
  MedusaContext,
  MedusaService,
} from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import ClickAlert from "./models/click-alert"
import ClickCallback from "./models/click-callback"
import ClickPaymentEvent from "./models/click-payment-event"
import ClickTransaction from "./models/click-transaction"
import {
  canTransition,
  CART_PAID_STATES,
  ClickPaymentState,
  DEBITED_STATES,
  FiscalReceiptStatus,
  type ClickPaymentStateValue,
  type FiscalReceiptStatusValue,
  type RefundReasonValue,
} from "./payment-state"

/** What Prepare knows of a new attempt (`amount_tiyin`: the exact integer as a decimal string). */
export interface NewPreparedTransaction {
  click_trans_id: string
  click_paydoc_id: string | null
  service_id: string
  merchant_trans_id: string
  payment_session_id: string
  amount: string
  amount_tiyin: string
  sign_time: string
}

export interface NewCallbackRecord {
  endpoint: "prepare" | "complete"
  click_trans_id: string | null
  merchant_trans_id: string | null
  fields: Record<string, unknown>
  signature_valid: boolean | null
  error: number
  reason: string | null
  response: Record<string, unknown>
  duration_ms: number
  remote_address: string | null
}

/** Columns a transition may set besides `state` (and the timestamp of the state it enters). */
export interface TransitionFields {
  order_id?: string
  refund_reason?: RefundReasonValue
  last_error?: string | null
  complete_click_trans_id?: string
  click_error?: string
  /** Entering `placed` with fiscal receipts on: `pending`. */
  fiscal_status?: FiscalReceiptStatusValue
  /** Entering `confirmed`: the stamp of what confirmed it. */
  confirmation_token?: string
  /** Entering `contradicted`: Click's payment_status (null: Click knows no such payment). */
  verified_payment_status?: number | null
  /** Entering `contradicted`: Click's answer as received. */
  verification_answer?: string
}

export interface TransitionInput {
  id: string
  from: ClickPaymentStateValue
  to: ClickPaymentStateValue
  /** Why, for the audit trail: a short code such as `complete`, `order_placed`, `stock`. */
  reason: string
  detail?: string | null
  set?: TransitionFields
  /**
   * A decision made under a work claim (ClickModuleService.claimWork) applies
   * only while that claim is the newest: a process that stalled past its lease,
   * while another took the payment over, cannot decide it any more.
   */
  claim?: Pick<WorkClaim, "attempt">
}

export interface MovedPayment {
  id: string
  state: ClickPaymentStateValue
  merchant_trans_id: string
  merchant_prepare_id: number
  order_id: string | null
}

/** Work in progress on a payment; `attempt` fences its later writes against a newer claim. */
export interface WorkClaim {
  id: string
  state: ClickPaymentStateValue
  merchant_trans_id: string
  attempt: number
}

const STATE_TIMESTAMP: Partial<Record<ClickPaymentStateValue, string>> = {
  [ClickPaymentState.Confirmed]: "confirmed_at",
  [ClickPaymentState.Cancelled]: "cancelled_at",
  [ClickPaymentState.Placed]: "placed_at",
}

const SETTABLE: readonly (keyof TransitionFields)[] = [
  "order_id",
  "refund_reason",
  "last_error",
  "complete_click_trans_id",
  "click_error",
  "fiscal_status",
  "confirmation_token",
  "verified_payment_status",
  "verification_answer",
]

/**
 * No fiscal receipt for a sale already refunded: a placed payment with a full
 * reversal sent or done (click_reversal, payments/money-back/click-reversals.ts) waits
 * for its state to follow to `reversed`, which ends its receipt's track.
 */
const NOT_REFUNDED_IN_FULL = `NOT EXISTS (SELECT 1 FROM click_reversal r
  WHERE r.transaction_id = click_transaction.id AND r.full_reversal AND r.status IN ('sent', 'done'))`

/** Work on a placed payment's fiscal receipt; `attempt` fences its outcome against a newer claim. */
export interface FiscalClaim {
  id: string
  attempt: number
}

export interface FiscalOutcome {
  status: FiscalReceiptStatusValue
  qrUrl?: string | null
  error?: string | null
  /** Still pending: the next attempt is due in this many seconds. */
  retryInSec?: number
}

/** Reconciliation's streak on a `prepared` payment (src/click/reconciliation.ts). */
export interface StoredReconcileStreak {
  noCount: number
  noSince: Date | null
  inProgressSince: Date | null
}

/** An open alert about the backend's own configuration (click_alert). */
export interface OpenAlert {
  id: string
  key: string
  service_id: string | null
  message: string
  occurrences: number
  opened_at: Date
  last_seen_at: Date
}

class ClickModuleService extends MedusaService({
  ClickTransaction,
  ClickCallback,
  ClickPaymentEvent,
  ClickAlert,
}) {
  protected readonly logger_: Logger

  constructor(container: { logger: Logger }) {
    // eslint-disable-next-line prefer-rest-params
    super(...(arguments as unknown as [Record<string, unknown>]))
    this.logger_ = container.logger
  }

  /**
   * The only way a Click payment changes state: one conditional UPDATE
   * (`… WHERE state = <from>`) and its audit row, in a single statement. A
   * payment that is no longer in `from` is left untouched and null is
   * returned, so no write can move a payment backwards or erase a refund
   * decision that another process made first.
   */
  @InjectManager()
  async transition(
    input: TransitionInput,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<MovedPayment | null> {
    if (!canTransition(input.from, input.to)) {
      throw new Error(`Click payment cannot move from ${input.from} to ${input.to}`)
    }
    // A new state starts its own work (placing, reversing) from its first attempt.
    const assignments = ["state = ?", "updated_at = now()", "attempts = 0", "next_attempt_at = NULL", "leased_until = NULL"]
    const values: unknown[] = [input.to]
    const stamp = STATE_TIMESTAMP[input.to]
    if (stamp) {
      assignments.push(`${stamp} = now()`)
    }
    if (input.to === ClickPaymentState.Reversed) {
      // The money went back: a sent receipt is now reversed, and none is sent any more.
      assignments.push(`fiscal_status = CASE WHEN fiscal_status = '${FiscalReceiptStatus.Submitted}' THEN '${FiscalReceiptStatus.Reversed}' END`)
    }
    for (const column of SETTABLE) {
      if (input.set && column in input.set) {
        assignments.push(`${column} = ?`)
        values.push(input.set[column] ?? null)
      }
    }
    const fenced = input.claim ? "AND attempts = ?" : ""
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute(
      `WITH moved AS (
         UPDATE click_transaction SET ${assignments.join(", ")}
          WHERE id = ? AND state = ? AND deleted_at IS NULL ${fenced}
      RETURNING id, state, merchant_trans_id, merchant_prepare_id, order_id
       ), audit AS (
         INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason, detail)
         SELECT ?, id, ?, state, ?, ? FROM moved
       )
       SELECT * FROM moved`,
      [
        ...values,
        input.id,
        input.from,
        ...(input.claim ? [input.claim.attempt] : []),
        generateEntityId(undefined, "clickev"),
        input.from,
        input.reason,
        input.detail ? input.detail.slice(0, 2000) : null,
      ]
    )
    const moved = (rows[0] as MovedPayment | undefined) ?? null
    if (!moved) {
      this.logger_.info(
        `Click payment ${input.id}: ${input.from} → ${input.to} (${input.reason}) not applied, it is no longer ${input.from}` +
          (input.claim ? ` or another claim took it over` : "")
      )
    }
    return moved
  }

  /** One row of the callback audit, in one plain insert (every callback waits for it before its answer). */
  @InjectManager()
  async recordCallback(entry: NewCallbackRecord, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `INSERT INTO click_callback (id, endpoint, click_trans_id, merchant_trans_id, fields, signature_valid,
                                   error, reason, response, duration_ms, remote_address)
       VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?::jsonb, ?, ?)`,
      [
        generateEntityId(undefined, "clickcb"),
        entry.endpoint,
        entry.click_trans_id,
        entry.merchant_trans_id,
        JSON.stringify(entry.fields),
        entry.signature_valid,
        entry.error,
        entry.reason,
        JSON.stringify(entry.response),
        entry.duration_ms,
        entry.remote_address,
      ]
    )
  }

  /** Every attempt at paying one cart: what Prepare decides on, in one indexed read. */
  @InjectManager()
  async listCartAttempts(
    cartId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<Array<{ click_trans_id: string; state: ClickPaymentStateValue; merchant_prepare_id: number }>> {
    return (await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT click_trans_id, state, merchant_prepare_id FROM click_transaction
        WHERE merchant_trans_id = ? AND deleted_at IS NULL`,
      [cartId]
    )) as Array<{ click_trans_id: string; state: ClickPaymentStateValue; merchant_prepare_id: number }>
  }

  /**
   * A new attempt in `prepared` and its first audit event, in one statement:
   * the row and its history are written together or not at all, in one round
   * trip (Prepare is on Click's clock). A `click_trans_id` seen before fails
   * with the unique index's violation, for the caller to read the row it hit.
   */
  @InjectManager()
  async createPrepared(
    input: NewPreparedTransaction,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ id: string; merchant_prepare_id: number; merchant_trans_id: string }> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `WITH created AS (
         INSERT INTO click_transaction (id, click_trans_id, click_paydoc_id, service_id, merchant_trans_id,
                                        payment_session_id, amount, amount_tiyin, raw_amount_tiyin, state, sign_time)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?::numeric, ?::jsonb, ?, ?)
         RETURNING id, merchant_prepare_id, merchant_trans_id),
       event AS (
         INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason)
         SELECT ?, id, NULL, ?, 'prepare' FROM created)
       SELECT id, merchant_prepare_id, merchant_trans_id FROM created`,
      [
        generateEntityId(undefined, "clicktx"),
        input.click_trans_id,
        input.click_paydoc_id,
        input.service_id,
        input.merchant_trans_id,
        input.payment_session_id,
        input.amount,
        input.amount_tiyin,
        // Medusa's bigNumber columns keep the exact value beside the numeric one.
        JSON.stringify({ value: input.amount_tiyin, precision: 20 }),
        ClickPaymentState.Prepared,
        input.sign_time,
        generateEntityId(undefined, "clickev"),
        ClickPaymentState.Prepared,
      ]
    )
    const [created] = rows as Array<{ id: string; merchant_prepare_id: number; merchant_trans_id: string }>
    return created
  }

  /**
   * Claims the work a payment in `state` needs (placing its order, reversing
   * it, asking Click about it) for `leaseSec` seconds, or returns null when it
   * is in another state, waits for its next attempt, or another request or
   * process holds the claim. The lease lives in the row itself, so a process
   * that dies mid-work holds nothing: the row is simply due again when the
   * lease runs out. At most one payment per cart is confirmed (a unique
   * index), so a claim on a confirmed payment is a per-cart lock.
   */
  @InjectManager()
  async claimWork(
    id: string,
    state: ClickPaymentStateValue,
    leaseSec: number,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<WorkClaim | null> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET attempts = attempts + 1,
              next_attempt_at = now() + (? * interval '1 second'),
              leased_until = now() + (? * interval '1 second'),
              updated_at = now()
        WHERE id = ? AND state = ? AND deleted_at IS NULL
          AND (next_attempt_at IS NULL OR next_attempt_at <= now())
    RETURNING id, state, merchant_trans_id, attempts AS attempt`,
      [leaseSec, leaseSec, id, state]
    )
    return (rows[0] as WorkClaim | undefined) ?? null
  }

  /** Extends a running claim's lease; only the newest claim, in the same state, may. */
  @InjectManager()
  async renewLease(claim: WorkClaim, leaseSec: number, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET next_attempt_at = now() + (? * interval '1 second'),
              leased_until = now() + (? * interval '1 second'),
              updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ?`,
      [leaseSec, leaseSec, claim.id, claim.state, claim.attempt]
    )
  }

  /**
   * A person's "retry now": the payment's work in `state` becomes due at
   * once, unless a process holds it right now (then it is already running).
   * Returns whether it is due now.
   */
  @InjectManager()
  async expediteWork(
    id: string,
    state: ClickPaymentStateValue,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET next_attempt_at = now(), updated_at = now()
        WHERE id = ? AND state = ? AND deleted_at IS NULL
          AND (leased_until IS NULL OR leased_until <= now())
    RETURNING id`,
      [id, state]
    )
    return rows.length > 0
  }

  /**
   * After a failed attempt: the next one is due in `dueInSec`, and the claim's
   * lease ends. Only the newest claim, in the same state, may.
   */
  @InjectManager()
  async rescheduleWork(
    claim: WorkClaim,
    dueInSec: number,
    lastError?: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET next_attempt_at = now() + (? * interval '1 second'),
              leased_until = NULL,
              last_error = COALESCE(?, last_error),
              updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ?`,
      [dueInSec, lastError?.slice(0, 2000) ?? null, claim.id, claim.state, claim.attempt]
    )
  }

  /**
   * Placement asked Click about a confirmed payment's debit and learnt nothing
   * certain (Click unreachable, our credentials refused, the payment still in
   * progress): the next attempt is due in `dueInSec`, the claim's lease ends,
   * and the wait is counted apart from the placement's failures, so that it
   * never brings a refund decision closer. Only the newest claim may.
   */
  @InjectManager()
  async deferForClick(
    claim: WorkClaim,
    dueInSec: number,
    note: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET next_attempt_at = now() + (? * interval '1 second'),
              leased_until = NULL,
              verification_waits = verification_waits + 1,
              last_error = ?,
              updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ?`,
      [dueInSec, note.slice(0, 2000), claim.id, ClickPaymentState.Confirmed, claim.attempt]
    )
  }

  /**
   * Click's Merchant API reports a confirmed payment paid (payment_status 2):
   * kept on the row before its order is placed. Returns false when the claim
   * is no longer the newest (another process took the payment over): the
   * caller then stops.
   */
  @InjectManager()
  async recordClickPaid(
    claim: WorkClaim,
    paymentStatus: number,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET verified_payment_status = ?, verified_at = now(), verification_answer = NULL, updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ?
    RETURNING id`,
      [paymentStatus, claim.id, ClickPaymentState.Confirmed, claim.attempt]
    )
    return (rows as unknown[]).length > 0
  }

  /**
   * Reconciliation of a claimed `prepared` payment asked Click and must ask
   * again: its streak of Click's answers (its own columns, not `attempts`) and
   * when the next lookup is due; the claim's lease ends. Only the newest claim
   * may, and only while the payment is still `prepared`.
   */
  @InjectManager()
  async recordReconcileLookup(
    claim: WorkClaim,
    outcome: { streak: StoredReconcileStreak; dueInSec: number; lastError: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET reconcile_no_count = ?, reconcile_no_since = ?, reconcile_in_progress_since = ?,
              next_attempt_at = now() + (? * interval '1 second'),
              leased_until = NULL,
              last_error = ?,
              updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ? AND deleted_at IS NULL
    RETURNING id`,
      [
        outcome.streak.noCount,
        outcome.streak.noSince?.toISOString() ?? null,
        outcome.streak.inProgressSince?.toISOString() ?? null,
        outcome.dueInSec,
        outcome.lastError.slice(0, 2000),
        claim.id,
        ClickPaymentState.Prepared,
        claim.attempt,
      ]
    )
    return rows.length > 0
  }

  /**
   * Click has reported a claimed `prepared` payment in progress past the
   * horizon: it is no longer asked (the job skips it) and shows as needing
   * attention, with an audit row. It stays `prepared`: a Complete that still
   * comes settles it as usual, and nothing is cancelled. Returns true only when
   * it was not stalled before (a late Complete's lookup may find it stalled).
   */
  @InjectManager()
  async stallReconciliation(
    claim: WorkClaim,
    outcome: { streak: StoredReconcileStreak; detail: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `WITH stalled AS (
         UPDATE click_transaction
            SET reconcile_no_count = ?, reconcile_no_since = ?, reconcile_in_progress_since = ?,
                reconcile_stalled_at = COALESCE(reconcile_stalled_at, now()), next_attempt_at = NULL, leased_until = NULL,
                last_error = ?, updated_at = now()
          WHERE id = ? AND state = ? AND attempts = ? AND deleted_at IS NULL
      RETURNING id, reconcile_stalled_at = now() AS newly
       ), audit AS (
         INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason, detail)
         SELECT ?, id, ?, ?, 'reconcile_stalled', ? FROM stalled WHERE newly
       )
       SELECT id FROM stalled WHERE newly`,
      [
        outcome.streak.noCount,
        outcome.streak.noSince?.toISOString() ?? null,
        outcome.streak.inProgressSince?.toISOString() ?? null,
        outcome.detail.slice(0, 2000),
        claim.id,
        ClickPaymentState.Prepared,
        claim.attempt,
        generateEntityId(undefined, "clickev"),
        ClickPaymentState.Prepared,
        ClickPaymentState.Prepared,
        outcome.detail.slice(0, 2000),
      ]
    )
    return rows.length > 0
  }

  /** A person's "Reconcile" on a stalled payment: it is asked again from now on, its in-progress streak starting over. */
  @InjectManager()
  async resumeReconciliation(id: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `WITH resumed AS (
         UPDATE click_transaction
            SET reconcile_stalled_at = NULL, reconcile_in_progress_since = NULL, next_attempt_at = now(), updated_at = now()
          WHERE id = ? AND state = ? AND deleted_at IS NULL AND reconcile_stalled_at IS NOT NULL
      RETURNING id
       ), audit AS (
         INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason)
         SELECT ?, id, ?, ?, 'reconcile_resumed_by_admin' FROM resumed
       )
       SELECT id FROM resumed`,
      [id, ClickPaymentState.Prepared, generateEntityId(undefined, "clickev"), ClickPaymentState.Prepared, ClickPaymentState.Prepared]
    )
    return rows.length > 0
  }

  /**
   * Another attempt of ours for the same Click payment (same service and
   * `click_paydoc_id`) that Click debited, those whose debit is or may become
   * the cart's order (CART_PAID_STATES) first; null when there is none.
   */
  @InjectManager()
  async findDebitedTwin(
    transaction: { id: string; service_id: string | null; click_paydoc_id: string | null },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<{ id: string; state: ClickPaymentStateValue } | null> {
    if (!transaction.click_paydoc_id) return null
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id, state FROM click_transaction
        WHERE click_paydoc_id = ? AND id <> ? AND deleted_at IS NULL
          AND service_id IS NOT DISTINCT FROM ?
          AND state IN (${DEBITED_STATES.map(() => "?").join(", ")}) AND state <> ?
        ORDER BY CASE WHEN state IN (${CART_PAID_STATES.map(() => "?").join(", ")}) THEN 0 ELSE 1 END, created_at
        LIMIT 1`,
      [
        transaction.click_paydoc_id,
        transaction.id,
        transaction.service_id,
        ...DEBITED_STATES,
        ClickPaymentState.Duplicate,
        ...CART_PAID_STATES,
      ]
    )
    return (rows[0] as { id: string; state: ClickPaymentStateValue } | undefined) ?? null
  }

  /**
   * Opens the alert `key`, or counts one more occurrence of it while it is
   * open. Returns true only to the call that opened it (so that one log line
   * is written per alert, whichever process sees the problem first).
   */
  @InjectManager()
  async raiseAlert(
    alert: { key: string; service_id: string | null; message: string },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `INSERT INTO click_alert AS a (id, key, service_id, message, occurrences, opened_at, last_seen_at)
       VALUES (?, ?, ?, ?, 1, now(), now())
       ON CONFLICT (key) WHERE deleted_at IS NULL DO UPDATE
          SET occurrences = CASE WHEN a.resolved_at IS NULL THEN a.occurrences + 1 ELSE 1 END,
              opened_at = CASE WHEN a.resolved_at IS NULL THEN a.opened_at ELSE now() END,
              last_seen_at = now(), resolved_at = NULL, message = EXCLUDED.message, updated_at = now()
    RETURNING (opened_at = now()) AS opened`,
      [generateEntityId(undefined, "clickal"), alert.key, alert.service_id, alert.message.slice(0, 2000)]
    )
    return (rows[0] as { opened: boolean } | undefined)?.opened === true
  }

  /** Closes the alert `key` if it is open; true only to the call that closed it. */
  @InjectManager()
  async resolveAlert(key: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_alert SET resolved_at = now(), updated_at = now()
        WHERE key = ? AND resolved_at IS NULL AND deleted_at IS NULL
    RETURNING id`,
      [key]
    )
    return rows.length > 0
  }

  /** Alerts still open, oldest first. */
  @InjectManager()
  async listOpenAlerts(@MedusaContext() sharedContext: Context = {}): Promise<OpenAlert[]> {
    return (await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id, key, service_id, message, occurrences, opened_at, last_seen_at FROM click_alert
        WHERE resolved_at IS NULL AND deleted_at IS NULL ORDER BY opened_at ASC`
    )) as OpenAlert[]
  }

  /** Payments in `state` whose work is due, oldest first; `olderThanSec` counts from creation. */
  @InjectManager()
  async listDueWork(
    state: ClickPaymentStateValue,
    limit: number,
    options: { olderThanSec?: number } = {},
    @MedusaContext() sharedContext: Context = {}
  ): Promise<string[]> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id FROM click_transaction
        WHERE state = ? AND deleted_at IS NULL
          AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          AND created_at <= now() - (? * interval '1 second')
          AND reconcile_stalled_at IS NULL
        ORDER BY next_attempt_at ASC NULLS FIRST, updated_at ASC
        LIMIT ?`,
      [state, options.olderThanSec ?? 0, limit]
    )
    return (rows as Array<{ id: string }>).map((row) => row.id)
  }

  /**
   * Carts with a `queued` debit and no `confirmed` attempt: the attempt those
   * debits waited on has ended (placed, refunded, contradicted), so their own
   * outcome is due (src/payments/placement/queued-debits.ts). Longest waiting first.
   */
  @InjectManager()
  async listCartsWithUnblockedQueue(limit: number, @MedusaContext() sharedContext: Context = {}): Promise<string[]> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT q.merchant_trans_id FROM click_transaction q
        WHERE q.state = ? AND q.deleted_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM click_transaction c
                           WHERE c.merchant_trans_id = q.merchant_trans_id AND c.state = ? AND c.deleted_at IS NULL)
        GROUP BY q.merchant_trans_id
        ORDER BY min(q.updated_at) ASC
        LIMIT ?`,
      [ClickPaymentState.Queued, ClickPaymentState.Confirmed, limit]
    )
    return (rows as Array<{ merchant_trans_id: string }>).map((row) => row.merchant_trans_id)
  }

  /** Claims the fiscal receipt of a placed payment when it is pending and due; null otherwise. */
  @InjectManager()
  async claimFiscalWork(
    id: string,
    leaseSec: number,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<FiscalClaim | null> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET fiscal_attempts = fiscal_attempts + 1,
              fiscal_next_attempt_at = now() + (? * interval '1 second'),
              updated_at = now()
        WHERE id = ? AND state = ? AND fiscal_status = ? AND deleted_at IS NULL
          AND (fiscal_next_attempt_at IS NULL OR fiscal_next_attempt_at <= now())
          AND ${NOT_REFUNDED_IN_FULL}
    RETURNING id, fiscal_attempts AS attempt`,
      [leaseSec, id, ClickPaymentState.Placed, FiscalReceiptStatus.Pending]
    )
    return (rows[0] as FiscalClaim | undefined) ?? null
  }

  /** Whether a full reversal of the payment was sent or done: its sale is refunded, and gets no receipt. */
  @InjectManager()
  async isRefundedInFull(id: string, @MedusaContext() sharedContext: Context = {}): Promise<boolean> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT 1 FROM click_transaction WHERE id = ? AND NOT ${NOT_REFUNDED_IN_FULL}`,
      [id]
    )
    return rows.length > 0
  }

  /** Records what became of a claimed receipt; a newer claim's outcome is never overwritten. */
  @InjectManager()
  async settleFiscalWork(
    claim: FiscalClaim,
    outcome: FiscalOutcome,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET fiscal_status = ?,
              fiscal_qr_url = COALESCE(?, fiscal_qr_url),
              fiscal_error = ?,
              fiscal_next_attempt_at = CASE WHEN ?::int IS NULL THEN NULL ELSE now() + (?::int * interval '1 second') END,
              updated_at = now()
        WHERE id = ? AND fiscal_attempts = ? AND fiscal_status = ?`,
      [
        outcome.status,
        outcome.qrUrl ?? null,
        outcome.error?.slice(0, 2000) ?? null,
        outcome.retryInSec ?? null,
        outcome.retryInSec ?? null,
        claim.id,
        claim.attempt,
        FiscalReceiptStatus.Pending,
      ]
    )
  }

  /** Placed payments whose fiscal receipt is pending and due, oldest first. */
  @InjectManager()
  async listDueFiscalWork(limit: number, @MedusaContext() sharedContext: Context = {}): Promise<string[]> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id FROM click_transaction
        WHERE state = ? AND fiscal_status = ? AND deleted_at IS NULL
          AND (fiscal_next_attempt_at IS NULL OR fiscal_next_attempt_at <= now())
          AND ${NOT_REFUNDED_IN_FULL}
        ORDER BY fiscal_next_attempt_at ASC NULLS FIRST, placed_at ASC
        LIMIT ?`,
      [ClickPaymentState.Placed, FiscalReceiptStatus.Pending, limit]
    )
    return (rows as Array<{ id: string }>).map((row) => row.id)
  }

  /**
   * Deletes audit rows of callbacks older than the cut-offs: those that failed
   * verification before `unverifiedBefore`, the others before `verifiedBefore`.
   * In batches, so that a large backlog never holds one long lock; returns how
   * many rows went. Payment states and their events are never pruned.
   */
  @InjectManager()
  async pruneCallbacks(
    cutoffs: { verifiedBefore: Date; unverifiedBefore: Date },
    batchSize = 5000,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<number> {
    const manager = sharedContext.manager as SqlEntityManager
    let deleted = 0
    for (;;) {
      const rows = await manager.execute(
        `DELETE FROM click_callback WHERE id IN (
           SELECT id FROM click_callback
            WHERE created_at < CASE WHEN signature_valid IS TRUE THEN ?::timestamptz ELSE ?::timestamptz END
            LIMIT ?)
         RETURNING 1 AS gone`,
        [cutoffs.verifiedBefore.toISOString(), cutoffs.unverifiedBefore.toISOString(), batchSize]
      )
      deleted += (rows as unknown[]).length
      if ((rows as unknown[]).length < batchSize) return deleted
    }
  }
}

export default ClickModuleService
