import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { confirmedClickTransaction } from "../../../callbacks/cart-payment-status"
import { loadClickCart } from "../../../callbacks/click-cart"
import { clickLogger } from "../../../lib/logger"
import { placeOrderForClickPayment } from "../../../workflows/place-order-for-click-payment"

/**
 * The backend places Click orders when Click confirms the payment. A
 * storefront completing the cart earlier is told so before any workflow runs:
 * no order is created, not even one that is rolled back. After Click's
 * confirmation the order is placed (or found) under the same per-cart lock as
 * the Complete callback, and Medusa's route then answers with that order.
 */
export async function holdClickCartCompletion(
  req: MedusaRequest,
  _res: MedusaResponse,
  next: MedusaNextFunction
) {
  const cartId = req.params.id
  const cart = await loadClickCart(req.scope, cartId)
  if (!cart || cart.completedAt || !cart.session) {
    return next()
  }
  const confirmed = await confirmedClickTransaction(req.scope, cartId)
  if (!confirmed) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Cart ${cartId} is paid with Click: the order is placed by the backend once Click confirms the payment. Poll GET /store/click/carts/${cartId} for its status.`
    )
  }
  const placed = await placeOrderForClickPayment(
    req.scope,
    { transactionId: confirmed.id },
    clickLogger.child({ merchant_trans_id: cartId, via: "storefront" })
  )
  if (!placed.orderId) {
    throw new MedusaError(
      MedusaError.Types.CONFLICT,
      `Cart ${cartId} is paid with Click, but its order could not be placed yet; it is retried. Poll GET /store/click/carts/${cartId} for its status.`
    )
  }
  next()
}
