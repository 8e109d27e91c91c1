import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { MedusaError } from "@medusajs/framework/utils"
import { ClickPaymentState } from "../../../modules/click"
import { cartClickPayment } from "../../../payments/views/cart-payment-status"
import { clearDeadCartLock, loadClickCart } from "../../../payments/medusa-tables"
import { placeClickOrder } from "../../../payments/placement/place-order"
import { paymentPolicy } from "../../../payments/policy"
import { clickLogger } from "../../../lib/logger"
import { respondConflict } from "./respond-conflict"

/**
 * The backend places Click orders when Click confirms the payment. A
 * storefront completing a Click cart is answered before any Medusa workflow
 * runs, unless the cart's order exists: then Medusa's route returns it.
 * - not confirmed yet: 400, poll the status route (no order, not even one rolled back);
 * - confirmed: the order is placed here, through the same entry point as
 *   Click's Complete, then Medusa's route answers with it.
 */
export async function holdClickCartCompletion(
  req: MedusaRequest,
  res: MedusaResponse,
  next: MedusaNextFunction
) {
  const cartId = req.params.id
  const [cart, { paying, holding }] = await Promise.all([
    loadClickCart(req.scope, cartId),
    cartClickPayment(req.scope, cartId),
  ])
  if (!cart) {
    return next()
  }
  const status = `Poll GET /store/click/carts/${cartId} for its status.`
  if (!paying) {
    if (!cart.completedAt && (cart.session || holding)) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Cart ${cartId} is paid with Click: the order is placed by the backend once Click confirms the payment. ${status}`
      )
    }
    return next()
  }
  if (paying.state === ClickPaymentState.Placed) {
    // A storefront completion that died inside Medusa's workflow would block
    // this route for ever; past its 120 s lifetime such a row is dead.
    await clearDeadCartLock(req.scope, cartId, { onlyExpired: true })
    return next()
  }
  const log = clickLogger.child({ merchant_trans_id: cartId, via: "storefront" })
  const { storefrontPlacementWaitMs, storefrontPlacementPollMs } = paymentPolicy()
  const deadline = Date.now() + storefrontPlacementWaitMs
  for (;;) {
    const outcome = await placeClickOrder(req.scope, paying.id, log)
    if (outcome.status === "placed") {
      return next()
    }
    if (outcome.status !== "pending" || Date.now() > deadline) {
      return respondConflict(res, `Cart ${cartId} is paid with Click, but its order is not placed yet (${outcome.status}). ${status}`)
    }
    await new Promise((resolve) => setTimeout(resolve, storefrontPlacementPollMs))
  }
}
