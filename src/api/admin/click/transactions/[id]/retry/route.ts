import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { clickLogger } from "../../../../../../lib/logger"
import { retryClickPayment } from "../../../../../../payments/views/admin-actions"
import { transactionForAdmin } from "../../../../../../payments/views/admin-view"

/**
 * POST /admin/click/transactions/:id/retry: place the order of a confirmed
 * payment, or retry its reversal, now. Idempotent: a second call finds the
 * work done (or running) and does nothing more.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const id = req.params.id
  await transactionForAdmin(req.scope, id)
  const result = await retryClickPayment(req.scope, id, clickLogger.child({ admin_action: "retry" }))
  res.json({ result, transaction: await transactionForAdmin(req.scope, id) })
}
