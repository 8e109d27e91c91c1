import { authenticate, defineMiddlewares } from "@medusajs/framework/http"
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
      // Pay by phone: { phone } only (route.ts refuses anything else).
      matcher: "/store/click/carts/:id/invoice",
      method: ["POST"],
      bodyParser: { sizeLimit: "1kb" },
    },
    {
      // Saved cards: a logged-in customer's own, with small bodies (a card number and expiry, or an SMS code).
      matcher: "/store/click/cards*",
      middlewares: [authenticate("customer", ["session", "bearer"])],
      bodyParser: { sizeLimit: "1kb" },
    },
    {
      // Checkout with a saved card: the logged-in customer's own card and cart, { payment_method_id } only.
      matcher: "/store/click/carts/:id/card-payment",
      method: ["POST"],
      middlewares: [authenticate("customer", ["session", "bearer"])],
      bodyParser: { sizeLimit: "1kb" },
    },
    {
      matcher: "/store/carts/:id/complete",
      method: ["POST"],
      middlewares: [holdClickCartCompletion],
    },
  ],
})
