import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { clickLogger } from "../../../../../../lib/logger"
import { reconcileClickPaymentNow } from "../../../../../../payments/views/admin-actions"
import { transactionForAdmin } from "../../../../../../payments/views/admin-view"

/** POST /admin/click/transactions/:id/reconcile: ask Click about this payment now. */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const id = req.params.id
  await transactionForAdmin(req.scope, id)
  const result = await reconcileClickPaymentNow(req.scope, id, clickLogger.child({ admin_action: "reconcile" }))
  res.json({ result, transaction: await transactionForAdmin(req.scope, id) })
}
