import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { passesLuhn } from "../../../../click"
import { clickLogger } from "../../../../lib/logger"
import { listSavedCards, requestCardToken } from "../../../../payments/views/saved-cards"
import { answerInvalidBody, answerStoreRefusal } from "../answer-store-refusal"

/** The card as a customer types it (spaces and dashes dropped), and its expiry as MMYY. */
const addCardBody = z
  .object({
    card_number: z
      .string()
      .max(32)
      .transform((typed) => typed.replace(/[\s-]/g, ""))
      .pipe(z.string().regex(/^\d{16}$/, "must be 16 digits").refine(passesLuhn, "is not a valid card number")),
    expire_date: z.string().regex(/^(0[1-9]|1[0-2])\d{2}$/, "must be MMYY"),
    /** Click's one-off token: verified for one payment, never saved. */
    temporary: z.boolean().optional(),
    /** The Click provider the card is saved with (pp_click_<id>): required when the store has several. */
    provider_id: z.string().regex(/^pp_click_[A-Za-z0-9_-]{1,64}$/, "must be a Click provider id (pp_click_…)").optional(),
  })
  .strict()

/**
 * POST /store/click/cards { card_number, expire_date } → 201 { card_token, phone_number }:
 * Click sends an SMS code to the card's phone (phone_number, masked); the
 * customer then sends it to POST /store/click/cards/:card_token/verify.
 */
export async function POST(req: AuthenticatedMedusaRequest, res: MedusaResponse) {
  const parsed = addCardBody.safeParse(req.body ?? {})
  if (!parsed.success) return answerInvalidBody(res, parsed.error, { code: "invalid_card_data", allowed: "card_number, expire_date, temporary and provider_id" })
  try {
    const requested = await requestCardToken(
      req.scope,
      {
        customerId: req.auth_context.actor_id,
        cardNumber: parsed.data.card_number,
        expireDate: parsed.data.expire_date,
        temporary: parsed.data.temporary ?? false,
        providerId: parsed.data.provider_id,
      },
      clickLogger
    )
    res.status(201).json(requested)
  } catch (error) {
    answerStoreRefusal(res, error)
  }
}

/** GET /store/click/cards → { cards: [{ id, provider_id, card_number (masked), saved_at }] }: the customer's saved cards. */
export async function GET(req: AuthenticatedMedusaRequest, res: MedusaResponse) {
  res.json({ cards: await listSavedCards(req.scope, req.auth_context.actor_id) })
}
