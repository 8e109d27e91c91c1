import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { openAlertsForAdmin } from "../../../../payments/views/admin-view"

/**
 * GET /admin/click/alerts: problems of this backend's own configuration that
 * a person must fix, open until they stop (for example Click's Merchant API
 * refusing our credentials: each says what to change). `{ alerts }`, oldest first.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  res.json({ alerts: await openAlertsForAdmin(req.scope) })
}
