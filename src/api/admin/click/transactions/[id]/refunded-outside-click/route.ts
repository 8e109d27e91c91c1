import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { recordRefundedOutsideClick } from "../../../../../../payments/views/admin-actions"
import { transactionForAdmin } from "../../../../../../payments/views/admin-view"

/**
 * POST /admin/click/transactions/:id/refunded-outside-click { note? }: Click
 * refused the reversal and the money went back another way. Recorded with the
 * admin user and the time in the payment's audit trail.
 */
export async function POST(req: AuthenticatedMedusaRequest<{ note?: unknown }>, res: MedusaResponse) {
  const id = req.params.id
  await transactionForAdmin(req.scope, id)
  const note = typeof req.body?.note === "string" ? req.body.note.trim().slice(0, 500) : undefined
  await recordRefundedOutsideClick(req.scope, id, `user ${req.auth_context?.actor_id ?? "unknown"}`, note || undefined)
  res.json({ transaction: await transactionForAdmin(req.scope, id) })
}
