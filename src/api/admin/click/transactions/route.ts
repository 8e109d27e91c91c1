import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { ClickPaymentState, type ClickPaymentStateValue } from "../../../../modules/click"
import { listTransactionsForAdmin } from "../../../../payments/views/admin-view"

const states = Object.values(ClickPaymentState) as [ClickPaymentStateValue, ...ClickPaymentStateValue[]]
const date = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()), "is not a date")

const listQuery = z.object({
  // ?state=placed, ?state=placed,cancelled or ?state[]=placed&state[]=cancelled
  state: z
    .union([z.string(), z.array(z.string())])
    .transform((value) => (Array.isArray(value) ? value : value.split(",")).filter(Boolean))
    .pipe(z.array(z.enum(states)))
    .optional(),
  needs_attention: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  merchant_trans_id: z.string().min(1).max(255).optional(),
  order_id: z.string().min(1).max(255).optional(),
  service_id: z.string().regex(/^\d{1,20}$/, "is not a Click service id").optional(),
  q: z.string().trim().min(1).max(255).optional(),
  created_at: z.object({ gte: date.optional(), lte: date.optional() }).strict().optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/**
 * GET /admin/click/transactions: every Click payment attempt, newest first,
 * in Medusa's list shape `{ transactions, count, offset, limit }`, each with
 * Click's callbacks and its state changes. Filters: `state` (one or more),
 * `needs_attention=true`, `merchant_trans_id` (the cart), `order_id`, `service_id` (one
 * Click service's payments), `q` (any
 * id, partial), `created_at[gte]` / `created_at[lte]`. Admin users only, as
 * every /admin route.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const parsed = listQuery.safeParse(req.query)
  if (!parsed.success) {
    throw new MedusaError(
      MedusaError.Types.INVALID_DATA,
      `Invalid filter: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`
    )
  }
  const { offset, limit, ...filters } = parsed.data
  const { transactions, count } = await listTransactionsForAdmin(req.scope, filters, { offset, limit })
  res.json({ transactions, count, offset, limit })
}
