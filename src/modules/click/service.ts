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
  DebitVia,
  DEBITED_STATES,
  FiscalReceiptStatus,
  transitionOnlyVia,
  type ClickPaymentStateValue,
  type DebitViaValue,
} from "./payment-state"
import { storedText } from "./stored-text"
import type { ClickAlertsService } from "./services/alerts"
import type { ClickCallbackAuditService } from "./services/callback-audit"
import type { ClickFiscalTrackService } from "./services/fiscal-track"
import type { ClickPlacementSchedulerService } from "./services/placement-scheduler"
import type { ClickInvoicesService } from "./services/invoices"
import type { ClickWorkQueueService } from "./services/work-queue"
import type {
  AttemptOfComplete,
  MovedPayment,
  NewPreparedTransaction,
  StoredReconcileStreak,
  TransitionFields,
  TransitionInput,
  WorkClaim,
} from "./types"

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
  "click_paydoc_id",
]

/**
 * Medusa registers each class of `services/` in the module's container under
 * its name, first letter lowercased.
 */
interface ClickModuleContainer {
  logger: Logger
  clickWorkQueueService: ClickWorkQueueService
  clickFiscalTrackService: ClickFiscalTrackService
  clickCallbackAuditService: ClickCallbackAuditService
  clickAlertsService: ClickAlertsService
  clickPlacementSchedulerService: ClickPlacementSchedulerService
  clickInvoicesService: ClickInvoicesService
}

/**
 * A Click payment's state and its transitions. The module's other records
 * have services of their own, reached from here: the work a state asks for
 * (`workQueue`), the fiscal receipt's track (`fiscalTrack`), the callback
 * audit (`callbackAudit`), the configuration alerts (`alerts`), the invoices
 * sent to shoppers' Click apps (`invoices`, pay by phone), and this process's
 * placement scheduler (`placementScheduler`: no record, but one object per
 * Medusa container that the callback routes and placement share).
 */
class ClickModuleService extends MedusaService({
  ClickTransaction,
  ClickCallback,
  ClickPaymentEvent,
  ClickAlert,
}) {
  protected readonly logger_: Logger
  readonly workQueue: ClickWorkQueueService
  readonly fiscalTrack: ClickFiscalTrackService
  readonly callbackAudit: ClickCallbackAuditService
  readonly alerts: ClickAlertsService
  readonly placementScheduler: ClickPlacementSchedulerService
  readonly invoices: ClickInvoicesService

  constructor(container: ClickModuleContainer, ...moduleArguments: unknown[]) {
    super(container, ...moduleArguments)
    this.logger_ = container.logger
    this.workQueue = container.clickWorkQueueService
    this.fiscalTrack = container.clickFiscalTrackService
    this.callbackAudit = container.clickCallbackAuditService
    this.alerts = container.clickAlertsService
    this.placementScheduler = container.clickPlacementSchedulerService
    this.invoices = container.clickInvoicesService
  }

  /**
   * The only way a Click payment changes state: one conditional UPDATE
   * (`… WHERE state = <from>`) and its audit row, in a single statement. A
   * payment that is no longer in `from` is left untouched and null is
   * returned, so no write can move a payment backwards or erase a refund
   * decision that another process made first. A move only one way in may
   * make (transitionOnlyVia) leaves a row of another way in untouched too.
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
    const onlyVia = transitionOnlyVia(input.from, input.to)
    const wayIn = onlyVia ? "AND debit_via = ?" : ""
    const manager = sharedContext.manager as SqlEntityManager
    const rows = await manager.execute(
      `WITH moved AS (
         UPDATE click_transaction SET ${assignments.join(", ")}
          WHERE id = ? AND state = ? AND deleted_at IS NULL ${fenced} ${wayIn}
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
        ...(onlyVia ? [onlyVia] : []),
        generateEntityId(undefined, "clickev"),
        input.from,
        input.reason,
        input.detail ? storedText(input.detail) : null,
      ]
    )
    const moved = (rows[0] as MovedPayment | undefined) ?? null
    if (!moved) {
      this.logger_.info(
        `Click payment ${input.id}: ${input.from} → ${input.to} (${input.reason}) not applied, it is no longer ${input.from}` +
          (input.claim ? ` or another claim took it over` : "") +
          (onlyVia ? ` or it is not a ${onlyVia} debit` : "")
      )
    }
    return moved
  }

  /** Every attempt at paying one cart: what Prepare decides on, in one indexed read. */
  @InjectManager()
  async listCartAttempts(
    cartId: string,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<Array<{ click_trans_id: string; state: ClickPaymentStateValue; merchant_prepare_id: number; debit_via: DebitViaValue }>> {
    return (await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT click_trans_id, state, merchant_prepare_id, debit_via FROM click_transaction
        WHERE merchant_trans_id = ? AND deleted_at IS NULL`,
      [cartId]
    )) as Array<{ click_trans_id: string; state: ClickPaymentStateValue; merchant_prepare_id: number; debit_via: DebitViaValue }>
  }

  /**
   * The attempt a Complete names by our `merchant_prepare_id`: what Complete
   * decides on, in one indexed read without the ORM (Complete is on Click's
   * clock). The amount is the exact stored tiyin.
   */
  @InjectManager()
  async findAttemptByPrepareId(
    merchantPrepareId: number,
    @MedusaContext() sharedContext: Context = {}
  ): Promise<AttemptOfComplete | undefined> {
    const [attempt] = (await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id, state, merchant_trans_id, service_id, merchant_prepare_id, raw_amount_tiyin->>'value' AS amount_tiyin
         FROM click_transaction WHERE merchant_prepare_id = ? AND deleted_at IS NULL`,
      [merchantPrepareId]
    )) as AttemptOfComplete[]
    return attempt
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
    const debitVia = input.debit_via ?? DebitVia.ClickCallbacks
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `WITH created AS (
         INSERT INTO click_transaction (id, click_trans_id, click_paydoc_id, service_id, merchant_trans_id,
                                        payment_session_id, amount, amount_tiyin, raw_amount_tiyin, state, sign_time, debit_via)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?::numeric, ?::jsonb, ?, ?, ?)
         RETURNING id, merchant_prepare_id, merchant_trans_id),
       event AS (
         INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason)
         SELECT ?, id, NULL, ?, ? FROM created)
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
        debitVia,
        generateEntityId(undefined, "clickev"),
        ClickPaymentState.Prepared,
        debitVia === DebitVia.CardToken ? "card_token_payment" : "prepare",
      ]
    )
    const [created] = rows as Array<{ id: string; merchant_prepare_id: number; merchant_trans_id: string }>
    return created
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
        storedText(outcome.lastError),
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
        storedText(outcome.detail),
        claim.id,
        ClickPaymentState.Prepared,
        claim.attempt,
        generateEntityId(undefined, "clickev"),
        ClickPaymentState.Prepared,
        ClickPaymentState.Prepared,
        storedText(outcome.detail),
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
}

export default ClickModuleService
