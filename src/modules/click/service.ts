import type { Context, Logger } from "@medusajs/framework/types"
import {
  generateEntityId,
  InjectManager,
  MedusaContext,
  MedusaService,
} from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import ClickCallback from "./models/click-callback"
import ClickPaymentEvent from "./models/click-payment-event"
import ClickTransaction from "./models/click-transaction"
import {
  canTransition,
  ClickPaymentState,
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
}

export interface TransitionInput {
  id: string
  from: ClickPaymentStateValue
  to: ClickPaymentStateValue
  /** Why, for the audit trail: a short code such as `complete`, `order_placed`, `stock`. */
  reason: string
  detail?: string | null
  set?: TransitionFields
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
]

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

class ClickModuleService extends MedusaService({
  ClickTransaction,
  ClickCallback,
  ClickPaymentEvent,
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
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute(
      `WITH moved AS (
         UPDATE click_transaction SET ${assignments.join(", ")}
          WHERE id = ? AND state = ? AND deleted_at IS NULL
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
        generateEntityId(undefined, "clickev"),
        input.from,
        input.reason,
        input.detail ? input.detail.slice(0, 2000) : null,
      ]
    )
    const moved = (rows[0] as MovedPayment | undefined) ?? null
    if (!moved) {
      this.logger_.info(
        `Click payment ${input.id}: ${input.from} → ${input.to} (${input.reason}) not applied, it is no longer ${input.from}`
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
        ORDER BY next_attempt_at ASC NULLS FIRST, updated_at ASC
        LIMIT ?`,
      [state, options.olderThanSec ?? 0, limit]
    )
    return (rows as Array<{ id: string }>).map((row) => row.id)
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
    RETURNING id, fiscal_attempts AS attempt`,
      [leaseSec, id, ClickPaymentState.Placed, FiscalReceiptStatus.Pending]
    )
    return (rows[0] as FiscalClaim | undefined) ?? null
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
