import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { cartOfPaymentCollection } from "../../../payments/medusa-tables"
import { isClickProviderId } from "../../../providers/click/ids"

type SessionBody = { provider_id?: string; data?: Record<string, unknown> }

/**
 * Click's `merchant_trans_id` is the cart id, so a Click session must know its
 * cart. The payment module is never told; we look it up from the collection's
 * cart link and replace whatever `data` the browser sent.
 */
export async function attachCartToClickSession(
  req: MedusaRequest,
  _res: MedusaResponse,
  next: MedusaNextFunction
) {
  if (!isClickProviderId((req.body as SessionBody | undefined)?.provider_id)) {
    return next()
  }
  const cartId = await cartOfPaymentCollection(req.scope, req.params.id)
  if (!cartId) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `Payment collection ${req.params.id} belongs to no cart: Click payments are made for carts.`
    )
  }
  const serverData = { cart_id: cartId }
  req.body = { ...(req.body as SessionBody), data: serverData }
  const validated = req.validatedBody
  if (validated && typeof validated === "object") {
    req.validatedBody = { ...validated, data: serverData }
  }
  next()
}
