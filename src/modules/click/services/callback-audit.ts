import type { Context, DAL } from "@medusajs/framework/types"
import { generateEntityId, InjectManager, MedusaContext } from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import type { NewCallbackRecord } from "../types"

/** The audit of every callback Click (or anyone) sent, and its pruning. */
export class ClickCallbackAuditService {
  protected readonly baseRepository_: DAL.RepositoryService

  constructor(container: { baseRepository: DAL.RepositoryService }) {
    this.baseRepository_ = container.baseRepository
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
