import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { cartPaymentState } from "../../../../../payments/cart-payment-status"

/** GET /store/click/carts/:id → { cart_id, status, order_id } for the return page to poll. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const state = await cartPaymentState(req.scope, req.params.id)
  if (!state) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Cart ${req.params.id} was not found.`)
  }
  res.json(state)
}
