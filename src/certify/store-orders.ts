import type { CertificationOrder } from "./certification"

/**
 * Fresh Click orders from a Medusa backend's store API, built the way a
 * storefront builds them: a UZS cart with the first product, an address, the
 * first shipping option, and a Click payment session, whose amount is what
 * Click will be asked to take.
 */
export async function createStoreOrders(medusaUrl: string, publishableKey: string, count: number): Promise<CertificationOrder[]> {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(new URL(path, medusaUrl), {
      method,
      headers: { "x-publishable-api-key": publishableKey, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    })
    const text = await response.text()
    if (!response.ok) {
      throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 300)}`)
    }
    return JSON.parse(text)
  }
  const { regions } = await call("GET", "/store/regions")
  const region = regions.find((r: { currency_code: string }) => r.currency_code === "uzs")
  if (!region) {
    throw new Error("The store has no UZS region: Click carts are paid in UZS.")
  }
  const { products } = await call("GET", `/store/products?region_id=${region.id}&limit=1`)
  const variantId = products[0]?.variants?.[0]?.id
  if (!variantId) {
    throw new Error("The store lists no product with a variant to put in a cart.")
  }
  const address = {
    first_name: "Click",
    last_name: "Certification",
    address_1: "Amir Temur 1",
    city: "Tashkent",
    country_code: region.countries?.[0]?.iso_2 ?? "uz",
    postal_code: "100000",
  }
  const orders: CertificationOrder[] = []
  for (let i = 0; i < count; i++) {
    const { cart } = await call("POST", "/store/carts", {
      region_id: region.id,
      email: "certification@example.com",
      items: [{ variant_id: variantId, quantity: 1 }],
      shipping_address: address,
      billing_address: address,
    })
    const { shipping_options } = await call("GET", `/store/shipping-options?cart_id=${cart.id}`)
    if (!shipping_options[0]) {
      throw new Error(`No shipping option for cart ${cart.id}: the store cannot complete a cart.`)
    }
    await call("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
    const { payment_collection } = await call("POST", "/store/payment-collections", { cart_id: cart.id })
    const result = await call("POST", `/store/payment-collections/${payment_collection.id}/payment-sessions`, {
      provider_id: "pp_click_click",
    })
    const session = result.payment_collection.payment_sessions.find((s: { provider_id: string }) => s.provider_id === "pp_click_click")
    orders.push({ merchantTransId: cart.id, amount: session.data.amount })
  }
  return orders
}
