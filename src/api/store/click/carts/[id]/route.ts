import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { clickRequestGuard } from "../../../../../providers/click/merchant-gateway"
import { cartPaymentState } from "../../../../../payments/views/cart-payment-status"

/** GET /store/click/carts/:id → { cart_id, status, order_id } for the return page to poll. */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const guard = clickRequestGuard()
  const spent = await guard.spendStatusRequest(guard.sourceAddress(req))
  if (!spent.ok) {
    res.setHeader("Retry-After", String(spent.retryAfterSec))
    res.status(429).json({
      type: "too_many_requests",
      message: `Too many Click status requests from this address: try again in ${spent.retryAfterSec} s (the limit is the provider option statusRequestsPerMinute).`,
    })
    return
  }
  const state = await cartPaymentState(req.scope, req.params.id)
  if (!state) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Cart ${req.params.id} was not found.`)
  }
  res.json(state)
}
