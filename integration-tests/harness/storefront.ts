import type { Backend } from "./backend"

export interface PayableCart {
  cartId: string
  /** What the Click session says is owed, as in the pay link ("58400.00"). */
  amount: string
  paymentUrl: string
  sessionData: Record<string, unknown>
}

/** What a storefront does before sending the shopper to Click: cart, address, shipping, Click session. */
export async function createPayableCart(
  backend: Backend,
  options: { quantity?: number; providerId?: string } = {}
): Promise<PayableCart> {
  const store = storeClient(backend)
  const { regions } = await store.get("/store/regions")
  const region = regions.find((r: { name: string }) => r.name === "Uzbekistan")
  const { products } = await store.get("/store/products?handle=click-demo-tshirt")
  const variantId = products[0].variants[0].id
  const address = {
    first_name: "Aziz",
    last_name: "Karimov",
    address_1: "Amir Temur 1",
    city: "Tashkent",
    country_code: "uz",
    postal_code: "100000",
    phone: "+998901234567",
  }
  const { cart } = await store.post("/store/carts", {
    region_id: region.id,
    email: "aziz@example.com",
    items: [{ variant_id: variantId, quantity: options.quantity ?? 1 }],
    shipping_address: address,
    billing_address: address,
  })
  const { shipping_options } = await store.get(`/store/shipping-options?cart_id=${cart.id}`)
  await store.post(`/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
  const session = await createPaymentSession(backend, cart.id, options.providerId ?? "pp_click_click")
  return {
    cartId: cart.id,
    amount: session.data?.amount,
    paymentUrl: session.data?.payment_url,
    sessionData: session.data ?? {},
  }
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

export function storeClient(backend: Backend) {
  const call = async (method: "get" | "post", path: string, body?: unknown) => {
    const request = backend.http[method](path).set("x-publishable-api-key", backend.publishableKey)
    const response = body === undefined ? await request : await request.send(body as object)
    if (response.status >= 300) {
      throw new Error(`${method.toUpperCase()} ${path} → ${response.status} ${JSON.stringify(response.body)}`)
    }
    return response.body
  }
  return {
    get: (path: string) => call("get", path),
    post: (path: string, body: unknown = {}) => call("post", path, body),
  }
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
