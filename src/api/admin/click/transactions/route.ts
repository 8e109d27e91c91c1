import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"
import { ClickPaymentState } from "../../../../modules/click"
import { clickModule } from "../../../../payments/click-transactions"

const listQuery = z.object({
  state: z.enum(Object.values(ClickPaymentState) as [string, ...string[]]).optional(),
  merchant_trans_id: z.string().min(1).max(255).optional(),
  order_id: z.string().min(1).max(255).optional(),
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
})

/** Columns an operator reads; never the session data, the stamp or anything signed. */
export const TRANSACTION_FIELDS = [
  "id",
  "merchant_prepare_id",
  "click_trans_id",
  "complete_click_trans_id",
  "click_paydoc_id",
  "service_id",
  "merchant_trans_id",
  "amount",
  "state",
  "refund_reason",
  "order_id",
  "last_error",
  "attempts",
  "next_attempt_at",
  "created_at",
  "updated_at",
  "confirmed_at",
  "placed_at",
  "cancelled_at",
] as const

/** GET /admin/click/transactions?state=&merchant_trans_id=&order_id=&offset=&limit= (admin only, as every /admin route). */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const parsed = listQuery.safeParse(req.query)
  if (!parsed.success) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, `Invalid filter: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`)
  }
  const { offset, limit, ...filters } = parsed.data
  const [transactions, count] = await clickModule(req.scope).listAndCountClickTransactions(
    Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
    { skip: offset, take: limit, order: { created_at: "DESC" }, select: [...TRANSACTION_FIELDS] }
  )
  res.json({ transactions, count, offset, limit })
}
