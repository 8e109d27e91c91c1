// A storefront on Medusa's store API, with Node's own fetch: used by the tests and the bench.

/** A request that hangs this long is a failure. */
const REQUEST_TIMEOUT_MS = 120_000

export function storeClient(baseUrl, publishableKey) {
  const headers = { "x-publishable-api-key": publishableKey }
  /** Any store request; the answer whatever its status. */
  const raw = async (method, path, body) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    })
    const text = await response.text()
    let json = null
    try {
      json = JSON.parse(text)
    } catch {
      // the caller reads text
    }
    return { status: response.status, body: json, text }
  }
  const call = async (method, path, body) => {
    const { status, text } = await raw(method, path, body)
    if (status >= 300) {
      throw new Error(`${method} ${path} → ${status} ${text.slice(0, 500)}`)
    }
    return JSON.parse(text)
  }
  let catalog = null
  const address = {
    first_name: "Aziz",
    last_name: "Karimov",
    address_1: "Amir Temur 1",
    city: "Tashkent",
    country_code: "uz",
    postal_code: "100000",
    phone: "+998901234567",
  }
  return {
    headers,
    raw,
    get: (path) => call("GET", path),
    post: (path, body = {}) => call("POST", path, body),
    /** What a storefront does before sending the shopper to Click: cart, address, shipping, a payment session. */
    async createPayableCart(providerId = "pp_click_click", quantity = 1, handle = "click-demo-tshirt", email = "aziz@example.com") {
      catalog ??= {}
      if (!catalog.regionId) {
        const { regions } = await call("GET", "/store/regions")
        const region = regions.find((r) => r.name === "Uzbekistan")
        if (!region) throw new Error("the seeded region is missing")
        catalog.regionId = region.id
      }
      if (!catalog[handle]) {
        const { products } = await call("GET", `/store/products?handle=${handle}`)
        if (!products[0]) throw new Error(`the seeded product ${handle} is missing`)
        catalog[handle] = products[0].variants[0].id
      }
      const { cart } = await call("POST", "/store/carts", {
        region_id: catalog.regionId,
        email,
        items: [{ variant_id: catalog[handle], quantity }],
        shipping_address: address,
        billing_address: address,
      })
      const { shipping_options } = await call("GET", `/store/shipping-options?cart_id=${cart.id}`)
      await call("POST", `/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
      const { payment_collection } = await call("POST", "/store/payment-collections", { cart_id: cart.id })
      const result = await call("POST", `/store/payment-collections/${payment_collection.id}/payment-sessions`, {
        provider_id: providerId,
      })
      const session = result.payment_collection.payment_sessions.find((s) => s.provider_id === providerId)
      if (!session) throw new Error(`no ${providerId} session for cart ${cart.id}`)
      return {
        cartId: cart.id,
        amount: session.data?.amount,
        paymentUrl: session.data?.payment_url,
        sessionData: session.data ?? {},
        providerId,
      }
    },
  }
}
