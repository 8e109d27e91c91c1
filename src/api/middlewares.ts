import { defineMiddlewares } from "@medusajs/framework/http"
import { attachCartToClickSession } from "./store/click/attach-cart-to-click-session"
import { freezeCartEdits, freezeCartSessions } from "./store/click/freeze-cart-during-click-payment"
import { holdClickCartCompletion } from "./store/click/hold-click-cart-completion"

/** Every store route that changes a cart (Medusa 2.21's store API). */
const CART_EDIT_ROUTES = [
  { matcher: "/store/carts/:id", method: ["POST"] },
  { matcher: "/store/carts/:id/customer", method: ["POST"] },
  { matcher: "/store/carts/:id/line-items", method: ["POST"] },
  { matcher: "/store/carts/:id/line-items/:line_id", method: ["POST", "DELETE"] },
  { matcher: "/store/carts/:id/promotions", method: ["POST", "DELETE"] },
  { matcher: "/store/carts/:id/shipping-methods", method: ["POST"] },
  { matcher: "/store/carts/:id/taxes", method: ["POST"] },
] as const

export default defineMiddlewares({
  routes: [
    {
      // Callback bodies are read with our own size limit (see read-callback-body.ts).
      matcher: "/hooks/click/*",
      method: ["POST"],
      bodyParser: false,
    },
    {
      matcher: "/store/payment-collections/:id/payment-sessions",
      method: ["POST"],
      middlewares: [freezeCartSessions, attachCartToClickSession],
    },
    ...CART_EDIT_ROUTES.map(({ matcher, method }) => ({
      matcher,
      method: [...method],
      middlewares: [freezeCartEdits],
    })),
    {
      matcher: "/store/carts/:id/complete",
      method: ["POST"],
      middlewares: [holdClickCartCompletion],
    },
  ],
})
