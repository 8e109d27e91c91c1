import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { cartClickPayment } from "../../../payments/views/cart-payment-status"
import { cartOfPaymentCollection } from "../../../payments/medusa-tables"
import { respondConflict } from "./respond-conflict"

/**
 * Between Prepare and the order, Click's money is for exactly this cart and
 * its Click session: Medusa would delete that session when the storefront
 * starts another one or changes the cart's total, and the payment could then
 * never become its order. So while an attempt holds the cart (confirmed, or
 * prepared within CLICK_PREPARED_HOLD_SEC), both are refused with 409.
 */
function freezeCart(cartIdOf: (req: MedusaRequest) => Promise<string | null>) {
  return async (req: MedusaRequest, res: MedusaResponse, next: MedusaNextFunction) => {
    const cartId = await cartIdOf(req)
    if (cartId && (await cartClickPayment(req.scope, cartId)).holding) {
      return respondConflict(
        res,
        `Cart ${cartId} has a Click payment in progress and cannot change until it ends. Poll GET /store/click/carts/${cartId} for its status.`
      )
    }
    next()
  }
}

/** For the cart edit routes: /store/carts/:id and below. */
export const freezeCartEdits = freezeCart(async (req) => req.params.id ?? null)

/** For POST /store/payment-collections/:id/payment-sessions, whatever the provider. */
export const freezeCartSessions = freezeCart((req) => cartOfPaymentCollection(req.scope, req.params.id))
