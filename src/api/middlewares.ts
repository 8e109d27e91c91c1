import { defineMiddlewares } from "@medusajs/framework/http"
import { attachCartToClickSession } from "./store/click/attach-cart-to-click-session"
import { holdClickCartCompletion } from "./store/click/hold-click-cart-completion"

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
      middlewares: [attachCartToClickSession],
    },
    {
      matcher: "/store/carts/:id/complete",
      method: ["POST"],
      middlewares: [holdClickCartCompletion],
    },
  ],
})
