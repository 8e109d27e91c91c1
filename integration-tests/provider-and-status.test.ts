import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../scripts/lib/postgres.mjs"
import { spawnMedusa } from "../scripts/lib/medusa.mjs"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { createPayableCart, createPaymentSession, storeClient, waitForPaidStatus } from "./harness/storefront"
import { clickMerchant, testEnv } from "./harness/test-env"

describe("the Click provider, the status route and boot-time configuration", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  const status = (cartId: string) =>
    backend.http.get(`/store/click/carts/${cartId}`).set("x-publishable-api-key", backend.publishableKey)

  it("gives a Click session the server-side cart id and a pay link for exactly what is owed", async () => {
    const cart = await createPayableCart(backend, { quantity: 2 })
    // 2 × 38 400 + 20 000 shipping
    expect(cart.amount).toBe("96800.00")
    expect(cart.sessionData).toMatchObject({
      cart_id: cart.cartId,
      merchant_trans_id: cart.cartId,
      amount_tiyin: "9680000",
      currency_code: "uzs",
    })
    const link = new URL(cart.paymentUrl)
    expect(link.origin + link.pathname).toBe("https://my.click.uz/services/pay")
    expect(Object.fromEntries(link.searchParams)).toEqual({
      service_id: clickMerchant.serviceId,
      merchant_id: clickMerchant.merchantId,
      amount: "96800.00",
      transaction_param: cart.cartId,
      return_url: `http://localhost:8000/checkout/click/return?cart_id=${cart.cartId}`,
    })
  })

  it("reports awaiting_payment → processing → paid to the storefront's return page", async () => {
    const cart = await createPayableCart(backend)
    expect((await status(cart.cartId)).body).toEqual({ cart_id: cart.cartId, status: "awaiting_payment", order_id: null, order_display_id: null, invoice: null })
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect((await status(cart.cartId)).body).toEqual({ cart_id: cart.cartId, status: "processing", order_id: null, order_display_id: null, invoice: null })
    await clickComplete(backend, {
      cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id,
    })
    // Click has its answer; the order follows within moments ("processing" until then).
    expect(["processing", "paid"]).toContain((await status(cart.cartId)).body.status)
    const paid = await waitForPaidStatus(backend, cart.cartId)
    expect(paid.status).toBe("paid")
    const { rows } = await backend.db.query(
      `SELECT oc.order_id, o.display_id FROM order_cart oc JOIN "order" o ON o.id = oc.order_id WHERE oc.cart_id = $1`,
      [cart.cartId]
    )
    expect(paid.order_id).toBe(rows[0].order_id)
    // The number the shopper is shown ("Order #12").
    expect(paid.order_display_id).toBe(rows[0].display_id)

    const payment = await backend.db.query(
      `SELECT p.amount, p.captured_at FROM payment p JOIN payment_session s ON s.id = p.payment_session_id
       WHERE s.data->>'cart_id' = $1`,
      [cart.cartId]
    )
    expect(payment.rows).toHaveLength(1)
    expect(Number(payment.rows[0].amount)).toBe(58400)
    expect(payment.rows[0].captured_at).not.toBeNull()
  })

  it("answers 404 for an unknown cart and needs the publishable key", async () => {
    expect((await status("cart_unknown")).status).toBe(404)
    expect((await backend.http.get("/store/click/carts/cart_unknown")).status).toBe(400)
  })

  it("refuses a Click session for a cart in another currency", async () => {
    const login = await backend.http
      .post("/auth/user/emailpass")
      .send({ email: "admin@example.com", password: "supersecret" })
    expect(login.status).toBe(200)
    const region = await backend.http
      .post("/admin/regions")
      .set("authorization", `Bearer ${login.body.token}`)
      .send({ name: "Eurozone", currency_code: "eur", countries: ["de"], payment_providers: ["pp_click_click"] })
    expect(region.status).toBe(200)
    const store = storeClient(backend)
    const { cart } = await store.post("/store/carts", { region_id: region.body.region.id })
    await expect(createPaymentSession(backend, cart.id, "pp_click_click")).rejects.toThrow(/UZS only/)
  })

  it("does not start without a Click secret key, and says which option is missing", async () => {
    const port = await freePort()
    const child = spawnMedusa(
      ["start"],
      testEnv({ DATABASE_URL: backend.databaseUrl, PORT: String(port), CLICK_SECRET_KEY: "" }),
      ["ignore", "pipe", "pipe"]
    )
    let output = ""
    child.stdout!.on("data", (chunk) => (output += chunk))
    child.stderr!.on("data", (chunk) => (output += chunk))
    const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve))
    expect(exitCode).not.toBe(0)
    expect(output).toContain('Click provider option "secretKey" (CLICK_SECRET_KEY) is required')
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow()
  })
})
