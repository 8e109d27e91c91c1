import type { Context, DAL } from "@medusajs/framework/types"
import { generateEntityId, InjectManager, MedusaContext } from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import { storedText } from "../stored-text"
import type { OpenAlert } from "../types"

/** Alerts about the backend's own configuration (click_alert), one per key across processes. */
export class ClickAlertsService {
  protected readonly baseRepository_: DAL.RepositoryService

  constructor(container: { baseRepository: DAL.RepositoryService }) {
    this.baseRepository_ = container.baseRepository
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
      [generateEntityId(undefined, "clickal"), alert.key, alert.service_id, storedText(alert.message)]
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
}
