import type { AuthenticatedMedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { clickLogger } from "../../../../../lib/logger"
import { deleteSavedCard } from "../../../../../payments/views/saved-cards"
import { answerStoreRefusal } from "../../answer-store-refusal"

/** DELETE /store/click/cards/:id → { id, deleted: true }: the token is deleted at Click, then the saved card. */
export async function DELETE(req: AuthenticatedMedusaRequest, res: MedusaResponse) {
  try {
    await deleteSavedCard(req.scope, { customerId: req.auth_context.actor_id, id: req.params.id }, clickLogger)
    res.json({ id: req.params.id, object: "click_saved_card", deleted: true })
  } catch (error) {
    answerStoreRefusal(res, error)
  }
}
