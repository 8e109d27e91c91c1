import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { settleReversalByPerson } from "../../../../../../../../payments/views/admin-actions"
import { transactionForAdmin } from "../../../../../../../../payments/views/admin-view"
import { ReversalStatus } from "../../../../../../../../payments/money-back/click-reversals"

/**
 * POST /admin/click/transactions/:id/reversals/:reversal_id/settle
 * { outcome: "done" | "not_done", note }: a partial reversal whose answer was
 * lost, settled on the admin's word after checking Click's merchant cabinet.
 * Recorded with the admin user, the time and the note; nothing is sent to Click.
 */
export async function POST(req: AuthenticatedMedusaRequest<{ outcome?: unknown; note?: unknown }>, res: MedusaResponse) {
  const id = req.params.id
  await transactionForAdmin(req.scope, id)
  const outcome = req.body?.outcome
  if (outcome !== ReversalStatus.Done && outcome !== ReversalStatus.NotDone) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, 'outcome must be "done" (Click reversed it) or "not_done" (Click did not).')
  }
  const note = typeof req.body?.note === "string" ? req.body.note.trim().slice(0, 500) : ""
  if (!note) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "note is required: what Click's merchant cabinet shows for this reversal.")
  }
  await settleReversalByPerson(req.scope, id, req.params.reversal_id, outcome, `user ${req.auth_context?.actor_id ?? "unknown"}`, note)
  res.json({ transaction: await transactionForAdmin(req.scope, id) })
}
