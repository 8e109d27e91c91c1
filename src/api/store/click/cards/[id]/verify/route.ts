import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { clickLogger } from "../../../../../../lib/logger"
import { verifyCardToken } from "../../../../../../payments/views/saved-cards"
import { answerInvalidBody, answerStoreRefusal } from "../../../answer-store-refusal"

const verifyBody = z.object({ sms_code: z.string().regex(/^\d{4,8}$/, "must be 4 to 8 digits") }).strict()
const cardToken = z.string().regex(/^[A-Za-z0-9-]{1,128}$/)

/**
 * POST /store/click/cards/:card_token/verify { sms_code } → 201 { card }: Click
 * checks the code, and the card is saved as the customer's payment method
 * (only its masked number is shown).
 */
export async function POST(req: AuthenticatedMedusaRequest, res: MedusaResponse) {
  const parsed = verifyBody.safeParse(req.body ?? {})
  if (!parsed.success) return answerInvalidBody(res, parsed.error, { code: "invalid_card_data", allowed: "sms_code" })
  const token = cardToken.safeParse(req.params.id)
  if (!token.success) {
    res.status(404).json({ type: "not_found", code: "card_request_not_found", message: "No card waiting for an SMS code has this token." })
    return
  }
  try {
    const card = await verifyCardToken(
      req.scope,
      { customerId: req.auth_context.actor_id, cardToken: token.data, smsCode: parsed.data.sms_code },
      clickLogger
    )
    res.status(201).json({ card })
  } catch (error) {
    answerStoreRefusal(res, error)
  }
}
