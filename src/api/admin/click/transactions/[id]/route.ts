import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { transactionForAdmin } from "../../../../../payments/views/admin-view"

/** GET /admin/click/transactions/:id → { transaction } with its callbacks and state changes. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json({ transaction: await transactionForAdmin(req.scope, req.params.id) })
}
