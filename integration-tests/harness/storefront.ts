import { storeClient as sharedStoreClient } from "../../scripts/lib/storefront.mjs"
import type { Backend } from "./backend"

export interface PayableCart {
  cartId: string
  /** What the Click session says is owed, as in the pay link ("58400.00"). */
  amount: string
  paymentUrl: string
  sessionData: Record<string, any>
}

export function storeClient(backend: Backend) {
  return sharedStoreClient(backend.url, backend.publishableKey)
}

/** What a storefront does before sending the shopper to Click: cart, address, shipping, Click session. */
export function createPayableCart(
  backend: Backend,
  options: { quantity?: number; providerId?: string } = {}
): Promise<PayableCart> {
  return storeClient(backend).createPayableCart(options.providerId ?? "pp_click_click", options.quantity ?? 1)
}

export async function createPaymentSession(
  backend: Backend,
  cartId: string,
  providerId: string,
  data?: Record<string, unknown>
) {
  const store = storeClient(backend)
  const { payment_collection } = await store.post("/store/payment-collections", { cart_id: cartId })
  const result = await store.post(`/store/payment-collections/${payment_collection.id}/payment-sessions`, {
    provider_id: providerId,
    ...(data ? { data } : {}),
  })
  return result.payment_collection.payment_sessions.find(
    (s: { provider_id: string }) => s.provider_id === providerId
  )
}

/** A storefront calling Medusa's own cart completion. */
export function completeCartFromStorefront(backend: Backend, cartId: string) {
  return backend.http
    .post(`/store/carts/${cartId}/complete`)
    .set("x-publishable-api-key", backend.publishableKey)
}

export async function countOrdersForCart(backend: Backend, cartId: string): Promise<number> {
  const { rows } = await backend.db.query(
    `SELECT count(*)::int AS n FROM "order" o JOIN order_cart oc ON oc.order_id = o.id
     WHERE oc.cart_id = $1 AND oc.deleted_at IS NULL AND o.deleted_at IS NULL`,
    [cartId]
  )
  return rows[0].n
}

export async function countAllOrders(backend: Backend): Promise<number> {
  const { rows } = await backend.db.query(`SELECT count(*)::int AS n FROM "order"`)
  return rows[0].n
}
