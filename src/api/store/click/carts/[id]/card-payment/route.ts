import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { z } from "zod"
import { clickLogger } from "../../../../../../lib/logger"
import { payWithSavedCard } from "../../../../../../payments/views/saved-card-payment"
import { answerInvalidBody, answerStoreRefusal } from "../../../answer-store-refusal"

/** Which of the customer's saved cards pays: the amount and everything else are the cart's Click session's. */
const cardPaymentBody = z.object({ payment_method_id: z.string().min(1).max(64) }).strict()

/**
 * POST /store/click/carts/:id/card-payment { payment_method_id } → 201
 * { card_payment: { status: "debited" | "processing" } }: Click debits the
 * logged-in customer's saved card for the cart. The backend places the order
 * itself; the storefront polls GET /store/click/carts/:id for it, as after
 * Click's page.
 */
export async function POST(req: AuthenticatedMedusaRequest, res: MedusaResponse) {
  const parsed = cardPaymentBody.safeParse(req.body ?? {})
  if (!parsed.success) return answerInvalidBody(res, parsed.error, { code: "invalid_card_payment", allowed: "payment_method_id" })
  try {
    const cardPayment = await payWithSavedCard(
      req.scope,
      { cartId: req.params.id, customerId: req.auth_context.actor_id, paymentMethodId: parsed.data.payment_method_id },
      clickLogger
    )
    res.status(201).json({ card_payment: cardPayment })
  } catch (error) {
    answerStoreRefusal(res, error)
  }
}
