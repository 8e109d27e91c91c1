import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { adminToken, enableSystemProvider } from "../scripts/lib/admin.mjs"
import { parseSoumsToTiyin } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { sharedBackend, startBackend, type Backend } from "./harness/backend"
import { browserAvailable, openPage, sandboxInBrowser, screenshot } from "./harness/browser"
import { newClickTransId, clickComplete, clickPrepare } from "./harness/click"
import { startClickDouble } from "./harness/click-double"
import { countOrdersForCart, createPayableCart, poll, waitForPaidStatus, type PayableCart } from "./harness/storefront"

/**
 * Pay by phone against a real backend and Click's Merchant API double over
 * HTTP: the storefront asks for an invoice to a phone, the backend sends
 * Click's invoice/create with the cart's own merchant_trans_id and amount,
 * the shopper confirms it in the Click app (the double's control API), and
 * Click's usual Prepare and Complete place the order.
 */
describe("pay by phone (Click invoice)", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  const askInvoice = (cartId: string, body: unknown) =>
    backend.http
      .post(`/store/click/carts/${cartId}/invoice`)
      .set("x-publishable-api-key", backend.publishableKey)
      .send(body as object)

  const status = async (cartId: string) =>
    (await backend.http.get(`/store/click/carts/${cartId}`).set("x-publishable-api-key", backend.publishableKey)).body

  /** Click's side: the run's Merchant API double, which the shared backend asks. */
  async function atClick(method: "GET" | "POST", path: string, body?: unknown) {
    const response = await fetch(new URL(path, inject("clickMerchantApi").controlUrl), {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, any> }
  }

  /** The shopper confirms the invoice in the Click app: Click calls this backend's Prepare and Complete. */
  const confirmInApp = (invoiceId: string) =>
    atClick("POST", `invoices/${invoiceId}/pay`, {
      prepare_url: `${backend.url}/hooks/click/prepare`,
      complete_url: `${backend.url}/hooks/click/complete`,
    })

  async function invoicesOf(cartId: string) {
    const { rows } = await backend.db.query(`SELECT * FROM click_invoice WHERE merchant_trans_id = $1 ORDER BY created_at`, [cartId])
    return rows
  }

  async function paymentsOf(cartId: string) {
    const { rows } = await backend.db.query(`SELECT state FROM click_transaction WHERE merchant_trans_id = $1`, [cartId])
    return rows.map((row) => row.state)
  }

  async function invoiceFor(cart: PayableCart, phone = "+998901234567"): Promise<string> {
    const answer = await askInvoice(cart.cartId, { phone })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    return answer.body.invoice.invoice_id
  }

  it("sends Click the cart's own merchant_trans_id and amount; the shopper confirms in the app and exactly one order is placed", async () => {
    const cart = await createPayableCart(backend)
    const answer = await askInvoice(cart.cartId, { phone: "+998 90 123-45-67" })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    expect(answer.body.invoice).toMatchObject({ phone: "+998*****4567", status: "waiting" })
    const invoiceId: string = answer.body.invoice.invoice_id

    // What reached Click: the backend's cart id and amount, the number without its "+".
    const sent = await atClick("GET", `invoices/${invoiceId}`)
    expect(sent.body.invoice).toMatchObject({
      merchant_trans_id: cart.cartId,
      amount_tiyin: String(parseSoumsToTiyin(cart.amount)),
      phone_number: "998901234567",
      status: "created",
    })
    expect(await status(cart.cartId)).toMatchObject({
      status: "awaiting_payment",
      invoice: { invoice_id: invoiceId, status: "waiting", phone: "+998*****4567" },
    })
    // A second invoice while one waits could be paid beside it.
    const second = await askInvoice(cart.cartId, { phone: "+998901234567" })
    expect(second.status).toBe(409)
    expect(second.body).toMatchObject({ code: "invoice_waiting" })

    const paid = await confirmInApp(invoiceId)
    expect(paid.body.result).toMatchObject({ error: 0, step: "complete" })
    expect((await waitForPaidStatus(backend, cart.cartId)).status).toBe("paid")
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect(await paymentsOf(cart.cartId)).toEqual(["placed"])
    const shown = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "paid", 15_000)
    expect(shown).toMatchObject({ status: "paid", invoice: { invoice_id: invoiceId, status: "paid" } })

    // Paid: no more invoices, and Click's repeated confirmation changes nothing.
    const afterPaid = await askInvoice(cart.cartId, { phone: "+998901234567" })
    expect(afterPaid.status).toBe(409)
    expect(afterPaid.body).toMatchObject({ code: "cart_paid" })
    expect((await confirmInApp(invoiceId)).status).toBe(409)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)

    // Only the masked number is kept.
    const [stored] = await invoicesOf(cart.cartId)
    expect(stored).toMatchObject({ invoice_id: invoiceId, masked_phone: "+998*****4567", amount_tiyin: String(parseSoumsToTiyin(cart.amount)) })
    expect(JSON.stringify(await invoicesOf(cart.cartId))).not.toContain("901234567")
  })

  it("a cancelled invoice leaves the cart payable: a new invoice is then paid, with one order", async () => {
    const cart = await createPayableCart(backend)
    const first = await invoiceFor(cart)
    expect((await atClick("POST", `invoices/${first}/status`, { status: "cancelled" })).status).toBe(200)
    const cancelled = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "cancelled", 15_000)
    expect(cancelled).toMatchObject({ status: "awaiting_payment", invoice: { invoice_id: first, status: "cancelled" } })

    const second = await invoiceFor(cart, "+998931112233")
    expect(second).not.toBe(first)
    expect((await confirmInApp(second)).body.result).toMatchObject({ error: 0 })
    expect((await waitForPaidStatus(backend, cart.cartId)).status).toBe("paid")
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect((await invoicesOf(cart.cartId)).map((invoice) => invoice.invoice_id)).toEqual([first, second])
  })

  it("a cancelled invoice leaves the cart payable on Click's page too, with one order", async () => {
    const cart = await createPayableCart(backend)
    const invoiceId = await invoiceFor(cart)
    await atClick("POST", `invoices/${invoiceId}/status`, { status: "cancelled" })
    const cancelled = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "cancelled", 15_000)
    expect(cancelled).toMatchObject({ status: "awaiting_payment", invoice: { status: "cancelled" } })

    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect(prepared.body.error).toBe(0)
    const completed = await clickComplete(backend, {
      cartId: cart.cartId,
      amount: cart.amount,
      clickTransId,
      merchantPrepareId: prepared.body.merchant_prepare_id,
    })
    expect(completed.body.error).toBe(0)
    expect((await waitForPaidStatus(backend, cart.cartId)).status).toBe("paid")
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    // The cancelled invoice cannot be paid after all.
    expect((await confirmInApp(invoiceId)).status).toBe(409)
  })

  it("an expired invoice leaves the cart payable: the status route reports it gone, it cannot be paid, and a new invoice gives one order", async () => {
    const cart = await createPayableCart(backend)
    const expired = await invoiceFor(cart)
    expect((await atClick("POST", `invoices/${expired}/status`, { status: "expired" })).status).toBe(200)
    // Click documents no code of its own for expiry (-99 is its one negative): the status route reads it as cancelled.
    const gone = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "cancelled", 15_000)
    expect(gone).toMatchObject({ status: "awaiting_payment", invoice: { invoice_id: expired, status: "cancelled" } })
    expect(await invoicesOf(cart.cartId)).toEqual([expect.objectContaining({ invoice_id: expired, invoice_status: -99, invoice_status_note: "expired" })])
    expect((await confirmInApp(expired)).status).toBe(409)
    expect(await paymentsOf(cart.cartId)).toEqual([])

    const renewed = await invoiceFor(cart)
    expect(renewed).not.toBe(expired)
    expect((await confirmInApp(renewed)).body.result).toMatchObject({ error: 0, step: "complete" })
    expect((await waitForPaidStatus(backend, cart.cartId)).status).toBe("paid")
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect(await paymentsOf(cart.cartId)).toEqual(["placed"])
    const shown = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "paid", 15_000)
    expect(shown).toMatchObject({ status: "paid", invoice: { invoice_id: renewed, status: "paid" } })
  })

  it("refuses a bad phone, fields the backend owns, a cart that is not paying with Click and a tampered amount, and sends no invoice", async () => {
    const cart = await createPayableCart(backend)
    for (const phone of ["+99890123456", "998901234567", "+7 901 234 56 78", "+998 90 123 45 67 8", 998901234567]) {
      const answer = await askInvoice(cart.cartId, { phone })
      expect(answer.status, String(phone)).toBe(400)
      expect(answer.body).toMatchObject({ code: "invalid_phone" })
    }
    for (const owned of [{ amount: "1.00" }, { merchant_trans_id: "cart_other" }]) {
      const answer = await askInvoice(cart.cartId, { phone: "+998901234567", ...owned })
      expect(answer.status).toBe(400)
      expect(answer.body.message).toContain(Object.keys(owned)[0])
    }
    expect((await askInvoice("cart_01NOSUCHCART0000000000000", { phone: "+998901234567" })).status).toBe(404)

    await enableSystemProvider(backend.url)
    const otherProvider = await createPayableCart(backend, { providerId: "pp_system_default" })
    const notClick = await askInvoice(otherProvider.cartId, { phone: "+998901234567" })
    expect(notClick.status).toBe(409)
    expect(notClick.body).toMatchObject({ code: "no_click_session" })

    // The session's data changed under it: another cart's id, then another amount.
    const sessionId = cart.sessionData.session_id
    const tamper = (path: string, value: string) =>
      backend.db.query(`UPDATE payment_session SET data = jsonb_set(data, $2::text[], to_jsonb($3::text)) WHERE id = $1`, [sessionId, path, value])
    await tamper("{merchant_trans_id}", otherProvider.cartId)
    const foreign = await askInvoice(cart.cartId, { phone: "+998901234567" })
    expect(foreign.status).toBe(409)
    expect(foreign.body).toMatchObject({ code: "no_click_session" })
    await tamper("{merchant_trans_id}", cart.cartId)
    await tamper("{amount_tiyin}", "100")
    const tampered = await askInvoice(cart.cartId, { phone: "+998901234567" })
    expect(tampered.status).toBe(409)
    expect(tampered.body).toMatchObject({ code: "amount_changed" })
    for (const answer of [notClick, foreign, tampered]) expect(JSON.stringify(answer.body)).not.toMatch(/\bat \S+:\d+/)

    expect(await invoicesOf(cart.cartId)).toEqual([])
    expect(await invoicesOf(otherProvider.cartId)).toEqual([])
    expect(await status(cart.cartId)).toMatchObject({ status: "awaiting_payment", invoice: null })
  })
})

/** Click's invoice/status refusing our own Merchant API credentials, through the double's fault front. */
describe("pay by phone while Click refuses our credentials", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({ env: { CLICK_MERCHANT_API_URL: double.url } })
    token = await adminToken(backend.url)
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  const status = async (cartId: string) =>
    (await backend.http.get(`/store/click/carts/${cartId}`).set("x-publishable-api-key", backend.publishableKey)).body
  const openAlerts = async () =>
    (await fetch(`${backend.url}/admin/click/alerts`, { headers: { authorization: `Bearer ${token}` } }).then((response) => response.json())).alerts

  it("invoice/status answering 401 or 403 raises the credentials alert naming the fix; Click's next answer closes it", async () => {
    const cart = await createPayableCart(backend)
    const asked = await backend.http
      .post(`/store/click/carts/${cart.cartId}/invoice`)
      .set("x-publishable-api-key", backend.publishableKey)
      .send({ phone: "+998901234567" })
    expect(asked.status, JSON.stringify(asked.body)).toBe(201)
    const invoiceId: string = asked.body.invoice.invoice_id

    for (const httpStatus of [401, 403]) {
      double.injectFault({ endpoint: "invoice/status", kind: "click_error", http_status: httpStatus, error_code: -httpStatus, error_note: "Authorization failed", times: 1000 })
      const refused = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "unknown", 15_000)
      expect(refused).toMatchObject({ status: "awaiting_payment", invoice: { invoice_id: invoiceId, status: "unknown" } })
      const alerts = await openAlerts()
      expect(alerts, String(httpStatus)).toHaveLength(1)
      expect(alerts[0].message).toMatch(/refuses this backend's credentials for service_id 12345/)
      expect(alerts[0].message).toContain(`invoice/status answered HTTP ${httpStatus}`)
      expect(alerts[0].message).toMatch(/CLICK_MERCHANT_USER_ID, CLICK_SECRET_KEY/)

      double.clearFaults()
      const answered = await poll(() => status(cart.cartId), (body) => body.invoice?.status === "waiting", 15_000)
      expect(answered).toMatchObject({ status: "awaiting_payment", invoice: { invoice_id: invoiceId, status: "waiting" } })
      expect(await openAlerts()).toEqual([])
    }
  })
})

/** Sandbox mode: the demo shop's "Pay by phone" and the sandbox's Click app, in a real browser. */
describe.runIf(browserAvailable())("pay by phone in the sandbox shop, in a real browser", () => {
  const sandbox = sandboxInBrowser()

  it("Pay by phone → \"confirm in your Click app\" → Confirm in the app → the order confirmation, with exactly one order", async () => {
    const page = await openPage(sandbox.browser)
    await page.goto(`${sandbox.backend.url}/click-sandbox/shop`)
    await page.locator("button[data-phone-handle=click-demo-tshirt]").click()
    await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
    const cartId = new URL(page.url()).searchParams.get("cart_id")!
    await page.getByTestId("invoice-status").waitFor({ state: "visible" })
    expect(await page.getByTestId("invoice-phone").textContent()).toBe("+998*****4567")
    await screenshot(page, "pay-by-phone-confirm-in-app")

    await page.getByTestId("open-click-app").click()
    await page.waitForURL(/\/click-sandbox\/app\?/)
    expect(await page.getByTestId("cart-id").textContent()).toBe(cartId)
    expect(await page.getByTestId("amount").textContent()).toBe("58400.00 UZS")
    await screenshot(page, "pay-by-phone-click-app")
    await page.getByRole("button", { name: "Confirm" }).click()

    await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
    await expect.poll(() => page.getByTestId("payment-status").textContent(), { timeout: 60_000 }).toMatch(/^Order #\d+ placed$/)
    expect(await page.getByTestId("invoice-status").isHidden()).toBe(true)
    expect(await countOrdersForCart(sandbox.backend, cartId)).toBe(1)
    expect(page.errors).toEqual([])
  })
})
