import { expect } from "vitest"
import { passesLuhn } from "../../src/click"
import type { Backend } from "./backend"
import { recordSentCardData } from "./card-secrets"
import { uniqueEmail } from "./storefront"

/**
 * A logged-in customer's side of the store API: registration and login through
 * Medusa's auth routes, saved cards with the SMS code Click sent (read from the
 * Merchant API double, as the customer reads it on the phone), and a cart of
 * the customer's own ready to pay with Click.
 */
export interface LoggedInCustomer {
  bearer: string
  email: string
}

export function customerStore(backend: Backend) {
  return async (method: "get" | "post" | "delete", path: string, bearer?: string, body?: object) => {
    recordSentCardData(body)
    let request = backend.http[method](path).set("x-publishable-api-key", backend.publishableKey)
    if (bearer) request = request.set("authorization", `Bearer ${bearer}`)
    return body ? request.send(body) : request
  }
}

export async function loggedInCustomer(backend: Backend): Promise<LoggedInCustomer> {
  const email = uniqueEmail()
  const password = "a-Long-passw0rd"
  const registered = await backend.http.post("/auth/customer/emailpass/register").send({ email, password })
  expect(registered.status, registered.text).toBe(200)
  const created = await customerStore(backend)("post", "/store/customers", registered.body.token, { email })
  expect(created.status, created.text).toBe(200)
  const login = await backend.http.post("/auth/customer/emailpass").send({ email, password })
  expect(login.status, login.text).toBe(200)
  return { bearer: login.body.token, email }
}

/** A card added and verified; `controlUrl`: the control API of the Merchant API double the backend asks. */
export async function savedCard(
  backend: Backend,
  bearer: string,
  controlUrl: string,
  options: { providerId?: string } = {}
): Promise<{ id: string; token: string; number: string }> {
  const store = customerStore(backend)
  const number = newCardNumber()
  const provider = options.providerId ? { provider_id: options.providerId } : {}
  const added = await store("post", "/store/click/cards", bearer, { card_number: number, expire_date: "1229", ...provider })
  expect(added.status, added.text).toBe(201)
  const token: string = added.body.card_token
  const atClick = await fetch(new URL(`card-tokens/${token}`, controlUrl))
  const { card_token } = (await atClick.json()) as { card_token: { sms_code: string } }
  const verified = await store("post", `/store/click/cards/${token}/verify`, bearer, { sms_code: card_token.sms_code })
  expect(verified.status, verified.text).toBe(201)
  return { id: verified.body.card.id, token, number }
}

/** What a storefront does for a logged-in customer before paying: cart, address, shipping, a Click session. */
export async function customersCart(
  backend: Backend,
  customer: LoggedInCustomer,
  options: { providerId?: string } = {}
): Promise<{ cartId: string; amountTiyin: bigint }> {
  const store = customerStore(backend)
  const call = async (method: "get" | "post", path: string, body?: object) => {
    const response = await store(method, path, customer.bearer, body)
    expect(response.status, `${path}: ${response.text}`).toBe(200)
    return response.body
  }
  const { regions } = await call("get", "/store/regions")
  const { products } = await call("get", "/store/products?handle=click-demo-tshirt")
  const address = { first_name: "Aziz", last_name: "Karimov", address_1: "Amir Temur 1", city: "Tashkent", country_code: "uz", postal_code: "100000" }
  const { cart } = await call("post", "/store/carts", {
    region_id: regions.find((region: { name: string }) => region.name === "Uzbekistan").id,
    email: customer.email,
    items: [{ variant_id: products[0].variants[0].id, quantity: 1 }],
    shipping_address: address,
    billing_address: address,
  })
  const { shipping_options } = await call("get", `/store/shipping-options?cart_id=${cart.id}`)
  await call("post", `/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
  const { payment_collection } = await call("post", "/store/payment-collections", { cart_id: cart.id })
  const { payment_collection: withSession } = await call("post", `/store/payment-collections/${payment_collection.id}/payment-sessions`, {
    provider_id: options.providerId ?? "pp_click_click",
  })
  return { cartId: cart.id, amountTiyin: BigInt(withSession.payment_sessions[0].data.amount_tiyin) }
}

/** A Luhn-valid Uzcard-like number no other test uses. */
export function newCardNumber(): string {
  for (;;) {
    const body = "8600" + Array.from({ length: 11 }, () => Math.floor(Math.random() * 10)).join("")
    for (let check = 0; check < 10; check++) if (passesLuhn(body + check)) return body + check
  }
}
