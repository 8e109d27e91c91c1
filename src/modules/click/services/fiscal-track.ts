import type { Context, DAL } from "@medusajs/framework/types"
import { InjectManager, MedusaContext } from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import { ClickPaymentState, FiscalReceiptStatus } from "../payment-state"
import type { FiscalClaim, FiscalOutcome } from "../types"
import { storedText } from "../stored-text"

/**
 * No fiscal receipt for a sale already refunded: a placed payment with a full
 * reversal sent or done (click_reversal, payments/money-back/click-reversals.ts) waits
 * for its state to follow to `reversed`, which ends its receipt's track.
 */
const NOT_REFUNDED_IN_FULL = `NOT EXISTS (SELECT 1 FROM click_reversal r
  WHERE r.transaction_id = click_transaction.id AND r.full_reversal AND r.status IN ('sent', 'done'))`

/** The fiscal receipt of a placed payment: its own claim, outcome and due batch, beside the payment's state. */
export class ClickFiscalTrackService {
  protected readonly baseRepository_: DAL.RepositoryService

  constructor(container: { baseRepository: DAL.RepositoryService }) {
    this.baseRepository_ = container.baseRepository
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
        storedText(outcome.error),
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
}
