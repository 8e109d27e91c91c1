import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { clickLogger } from "../../../../../../lib/logger"
import { clickRequestGuard } from "../../../../../../providers/click/merchant-gateway"
import { requestClickInvoice } from "../../../../../../payments/views/pay-by-phone"
import { answerInvalidBody, answerStoreRefusal } from "../../../answer-store-refusal"

/**
 * What a storefront may send: the phone only. The amount and merchant_trans_id
 * are the backend's (the cart's Click session), so any other field is refused.
 * Spaces, dashes and brackets a shopper types are dropped before the check.
 */
const invoiceBody = z
  .object({
    phone: z
      .string()
      .max(32)
      .transform((typed) => typed.replace(/[\s()-]/g, ""))
      .pipe(z.string().regex(/^\+998\d{9}$/, "phone must be +998 and 9 digits")),
  })
  .strict()

/**
 * POST /store/click/carts/:id/invoice { phone } → 201 { invoice }: Click sends
 * the cart's invoice to that phone's Click app (pay by phone). The shopper
 * confirms it there; GET /store/click/carts/:id then shows the invoice and,
 * once Click's callbacks arrive, the order.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const parsed = invoiceBody.safeParse(req.body ?? {})
  if (!parsed.success) return answerInvalidBody(res, parsed.error, { code: "invalid_phone", allowed: "phone" })
  const guard = clickRequestGuard()
  try {
    const invoice = await requestClickInvoice(
      req.scope,
      { cartId: req.params.id, phone: parsed.data.phone, sourceAddress: guard.sourceAddress(req) },
      clickLogger
    )
    res.status(201).json({ invoice })
  } catch (error) {
    answerStoreRefusal(res, error)
  }
}
