import type { MedusaNextFunction, MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { ContainerRegistrationKeys, MedusaError } from "@medusajs/framework/utils"
import { isClickPaymentConfirmed } from "../../../callbacks/cart-payment-status"
import { CLICK_PROVIDER_ID } from "../../../callbacks/constants"

/**
 * The backend places Click orders when Click confirms the payment. A
 * storefront completing the cart earlier is told so before any workflow runs:
 * no order is created, not even one that is rolled back.
 */
export async function holdClickCartCompletion(
  req: MedusaRequest,
  _res: MedusaResponse,
  next: MedusaNextFunction
) {
  const cartId = req.params.id
  const query = req.scope.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "cart",
    fields: ["id", "completed_at", "payment_collection.payment_sessions.provider_id"],
    filters: { id: cartId },
  })
  const cart = data[0] as any
  const paysWithClick = (cart?.payment_collection?.payment_sessions ?? []).some(
    (session: { provider_id?: string }) => session?.provider_id === CLICK_PROVIDER_ID
  )
  if (!cart || cart.completed_at || !paysWithClick) {
    return next()
  }
  if (!(await isClickPaymentConfirmed(req.scope, cartId))) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      `Cart ${cartId} is paid with Click: the order is placed by the backend once Click confirms the payment. Poll GET /store/click/carts/${cartId} for its status.`
    )
  }
  next()
}
