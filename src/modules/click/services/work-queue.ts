import type { Context, DAL } from "@medusajs/framework/types"
import { InjectManager, MedusaContext } from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import { ClickPaymentState, DebitVia, type ClickPaymentStateValue } from "../payment-state"
import type { WorkClaim } from "../types"
import { storedText } from "../stored-text"

/**
 * The work a payment's state asks for (placing its order, reversing it,
 * asking Click about it): the claim and its lease, kept in the payment's own
 * row, the backoff after a failed attempt, and the batches the recovery jobs
 * run. Decisions about the payment itself are ClickModuleService's.
 */
export class ClickWorkQueueService {
  protected readonly baseRepository_: DAL.RepositoryService

  constructor(container: { baseRepository: DAL.RepositoryService }) {
    this.baseRepository_ = container.baseRepository
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

  /**
   * Extends a running claim's lease; only the newest claim, in the same state,
   * and only while its lease stands: a renewal that lands after the work's own
   * reschedule (which ends the lease) must not move the next attempt back to
   * the lease's end, nor make a person's Retry wait for a lease nobody holds.
   */
  @InjectManager()
  async renewLease(claim: WorkClaim, leaseSec: number, @MedusaContext() sharedContext: Context = {}): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_transaction
          SET next_attempt_at = now() + (? * interval '1 second'),
              leased_until = now() + (? * interval '1 second'),
              updated_at = now()
        WHERE id = ? AND state = ? AND attempts = ? AND leased_until IS NOT NULL`,
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
      [dueInSec, storedText(lastError), claim.id, claim.state, claim.attempt]
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
      [dueInSec, storedText(note), claim.id, ClickPaymentState.Confirmed, claim.attempt]
    )
  }

  /**
   * Payments in `state` whose work is due, oldest first; `olderThanSec` counts
   * from creation (`cardTokenOlderThanSec` for saved-card debits, for which no
   * Complete is awaited). `service`: only one Click service's payments (its own
   * timings), and those recorded without a service when it is the only one.
   */
  @InjectManager()
  async listDueWork(
    state: ClickPaymentStateValue,
    limit: number,
    options: { olderThanSec?: number; cardTokenOlderThanSec?: number; service?: { id: string; only: boolean } } = {},
    @MedusaContext() sharedContext: Context = {}
  ): Promise<string[]> {
    const { service } = options
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT id FROM click_transaction
        WHERE state = ? AND deleted_at IS NULL
          AND (next_attempt_at IS NULL OR next_attempt_at <= now())
          AND created_at <= now() - ((CASE WHEN debit_via = ? THEN ? ELSE ? END) * interval '1 second')
          AND reconcile_stalled_at IS NULL
          AND (? = false OR service_id = ? OR (service_id IS NULL AND ?))
        ORDER BY next_attempt_at ASC NULLS FIRST, updated_at ASC
        LIMIT ?`,
      [state, DebitVia.CardToken, options.cardTokenOlderThanSec ?? options.olderThanSec ?? 0, options.olderThanSec ?? 0, !!service, service?.id ?? "", service?.only ?? false, limit]
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
}
