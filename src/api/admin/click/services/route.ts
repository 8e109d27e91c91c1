import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { clickMerchantGateways } from "../../../../providers/click/merchant-gateway"

/**
 * GET /admin/click/services: the Click services this backend is configured
 * with (README "Several Click services"), `{ services: [{ service_id }] }` in
 * ascending order. Ids only: never a credential. The dashboard shows which
 * service a payment is of, and filters by it, only when there are several.
 */
export async function GET(_req: MedusaRequest, res: MedusaResponse) {
  const serviceIds = clickMerchantGateways()
    .map((gateway) => gateway.serviceId)
    .sort((a, b) => a.length - b.length || a.localeCompare(b))
  res.json({ services: serviceIds.map((service_id) => ({ service_id })) })
}
