import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { ClickErrorCode, parseSoumsToTiyin } from "../src/click"
import { startMerchantApiDouble, type MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { expectNoCardSecrets, recordCardSecrets } from "./harness/card-secrets"
import { customersCart, customerStore, loggedInCustomer, newCardNumber, savedCard } from "./harness/customers"
import { browserAvailable, launchBrowser, openPage, screenshot } from "./harness/browser"
import { newClickTransId, completeFields, postCallback, prepareFields } from "./harness/click"
import { countOrdersForCart, createPayableCart, waitForOrders, waitForPaymentState, type PayableCart } from "./harness/storefront"
import { clickMerchant } from "./harness/test-env"

/**
 * Two Click services in one backend (README "Several Click services"): the
 * first is the tests' usual merchant (provider pp_click_click), the second a
 * brand of its own (pp_click_brand-b) with its own ids, secret and Merchant
 * API. Each service's Click is a double that knows only that service's
 * credentials and payments, so an order placed proves that its placement asked
 * the payment's own service. The backend is in sandbox mode, so that a shopper
 * can pay on Click's sandbox pay page with either service (its debits go to
 * the double of the service paid).
 */
const serviceA = { ...clickMerchant, providerId: "pp_click_click" }
const serviceB = {
  serviceId: "54321",
  merchantId: "65432",
  merchantUserId: "76543",
  secretKey: "second-brand-secret",
  providerId: "pp_click_brand-b",
}
type Service = typeof serviceA

describe("several Click services in one backend", () => {
  let backend: Backend
  let clickA: MerchantApiDouble
  let clickB: MerchantApiDouble
  let token: string
  const cardSecrets = recordCardSecrets()

  beforeAll(async () => {
    ;[clickA, clickB] = await Promise.all(
      [serviceA, serviceB].map(({ serviceId, merchantUserId, secretKey }) => startMerchantApiDouble({ serviceId, merchantUserId, secretKey }))
    )
    backend = await startBackend({
      env: {
        // Info lines too are scanned for card data.
        LOG_LEVEL: "info",
        CLICK_SANDBOX: "true",
        CLICK_PAY_URL: "",
        CLICK_MERCHANT_API_URL: clickA.url,
        CLICK_SECOND_PROVIDER_ID: "brand-b",
        CLICK_SECOND_SERVICE_ID: serviceB.serviceId,
        CLICK_SECOND_MERCHANT_ID: serviceB.merchantId,
        CLICK_SECOND_MERCHANT_USER_ID: serviceB.merchantUserId,
        CLICK_SECOND_SECRET_KEY: serviceB.secretKey,
        CLICK_SECOND_MERCHANT_API_URL: clickB.url,
        // Reconciliation: a Prepare left without its Complete is asked about after 30 s (long after this file's Completes).
        CLICK_RECONCILE_AFTER_SEC: "30",
        CLICK_RECONCILE_CRON: "* * * * * *",
      },
    })
    // The region pays with both services: Medusa's admin API, as a merchant enables a provider.
    token = await adminToken(backend.url)
    const { body } = await admin("GET", "/admin/regions?name=Uzbekistan&fields=id,*payment_providers")
    const region = body.regions[0]
    const providers = new Set<string>(region.payment_providers.map((p: { id: string }) => p.id))
    providers.add(serviceB.providerId)
    const enabled = await admin("POST", `/admin/regions/${region.id}`).send({ payment_providers: [...providers] })
    expect(enabled.status).toBe(200)
  })
  afterAll(async () => {
    try {
      // The cards and their SMS codes are in no table, log line or answer.
      if (backend) await expectNoCardSecrets(cardSecrets, backend)
    } finally {
      await backend?.stop()
      await Promise.all([clickA?.stop(), clickB?.stop()])
    }
  })

  const admin = (method: "GET" | "POST", path: string) =>
    (method === "GET" ? backend.http.get(path) : backend.http.post(path)).set("authorization", `Bearer ${token}`)

  /** Click's callback for `cart`, as `service`'s Click sends it: its service_id, signed with `signedWith` (its own secret unless forged). */
  const callback = (
    endpoint: "prepare" | "complete",
    service: Service,
    cart: PayableCart,
    ids: { clickTransId: string; merchantPrepareId?: number },
    signedWith = service.secretKey
  ) => {
    const args = {
      cartId: cart.cartId,
      amount: cart.amount,
      clickTransId: ids.clickTransId,
      clickPaydocId: `9${ids.clickTransId}`,
      serviceId: service.serviceId,
      secretKey: signedWith,
      merchantPrepareId: ids.merchantPrepareId,
    }
    return postCallback(backend, endpoint, endpoint === "prepare" ? prepareFields(args) : completeFields(args))
  }

  /** Every Click record of a cart: its attempts and their state changes. */
  const recordsOf = async (cartId: string) => {
    const { rows } = await backend.db.query(
      `SELECT t.merchant_prepare_id, t.service_id, t.state, t.complete_click_trans_id, t.confirmation_token IS NOT NULL AS stamped,
              (SELECT count(*)::int FROM click_payment_event e WHERE e.transaction_id = t.id) AS events
         FROM click_transaction t WHERE t.merchant_trans_id = $1 ORDER BY t.created_at`,
      [cartId]
    )
    return rows
  }

  /** The debit Click's ledger records before its Complete: in the ledger of the service that took the money only. */
  const debitAt = (click: MerchantApiDouble, cart: PayableCart, clickTransId: string) =>
    click.registerPayment({
      payment_id: `9${clickTransId}`,
      click_trans_id: clickTransId,
      merchant_trans_id: cart.cartId,
      amount_tiyin: String(parseSoumsToTiyin(cart.amount)),
    })

  let cartA: PayableCart
  let cartB: PayableCart
  let prepareA: number
  let prepareB: number
  const transA = newClickTransId()
  const transB = newClickTransId()

  it("gives each cart a session and pay link of the service its provider is", async () => {
    cartA = await createPayableCart(backend, { providerId: serviceA.providerId })
    cartB = await createPayableCart(backend, { providerId: serviceB.providerId })
    for (const [cart, service] of [[cartA, serviceA], [cartB, serviceB]] as const) {
      expect(cart.sessionData.service_id).toBe(service.serviceId)
      const link = new URL(cart.paymentUrl).searchParams
      expect([link.get("service_id"), link.get("merchant_id"), link.get("transaction_param")]).toEqual([
        service.serviceId,
        service.merchantId,
        cart.cartId,
      ])
    }
  })

  it("refuses a Prepare signed for service A naming a cart that pays with service B, and records nothing", async () => {
    const forged = await callback("prepare", serviceA, cartB, { clickTransId: newClickTransId() })
    expect(forged.body).toMatchObject({ error: ClickErrorCode.UserNotFound })
    // B's service_id with A's signature: B's secret refuses it.
    const wrongKey = await callback("prepare", serviceB, cartB, { clickTransId: newClickTransId() }, serviceA.secretKey)
    expect(wrongKey.body).toMatchObject({ error: ClickErrorCode.SignCheckFailed })
    expect(await recordsOf(cartB.cartId)).toEqual([])
  })

  it("prepares each cart for its own service", async () => {
    const [a, b] = await Promise.all([
      callback("prepare", serviceA, cartA, { clickTransId: transA }),
      callback("prepare", serviceB, cartB, { clickTransId: transB }),
    ])
    expect(a.body).toMatchObject({ error: 0 })
    expect(b.body).toMatchObject({ error: 0 })
    prepareA = a.body.merchant_prepare_id
    prepareB = b.body.merchant_prepare_id
    expect(await recordsOf(cartB.cartId)).toEqual([
      { merchant_prepare_id: prepareB, service_id: serviceB.serviceId, state: "prepared", complete_click_trans_id: null, stamped: false, events: 1 },
    ])
  })

  it("refuses a Complete signed for service A naming service B's attempt, and B's service_id with A's signature: nothing moves", async () => {
    // Service A's Click genuinely debited something of that amount: A's signature is valid, only the attempt is not A's.
    const forgedTrans = newClickTransId()
    debitAt(clickA, cartB, forgedTrans)
    const forged = await callback("complete", serviceA, cartB, { clickTransId: forgedTrans, merchantPrepareId: prepareB })
    expect(forged.body).toMatchObject({ error: ClickErrorCode.TransactionNotFound })
    const wrongKey = await callback("complete", serviceB, cartB, { clickTransId: newClickTransId(), merchantPrepareId: prepareB }, serviceA.secretKey)
    expect(wrongKey.body).toMatchObject({ error: ClickErrorCode.SignCheckFailed })

    // Placement would run after the answer: give it the time it takes, then nothing has moved.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    expect(await recordsOf(cartB.cartId)).toEqual([
      { merchant_prepare_id: prepareB, service_id: serviceB.serviceId, state: "prepared", complete_click_trans_id: null, stamped: false, events: 1 },
    ])
    const { rows } = await backend.db.query(`SELECT count(*)::int AS n FROM order_cart WHERE cart_id = $1`, [cartB.cartId])
    expect(rows[0].n).toBe(0)
  })

  it("answers -8 to callbacks naming a service_id it does not serve, whichever secret signed them, with no other service's secret asked: nothing moves", async () => {
    const unserved = { ...serviceB, serviceId: "99999" }
    const sent: string[] = []
    for (const signedWith of [serviceA.secretKey, serviceB.secretKey, "a secret of nobody here"]) {
      const [prepareTrans, completeTrans] = [newClickTransId(), newClickTransId()]
      sent.push(prepareTrans, completeTrans)
      const prepare = await callback("prepare", unserved, cartB, { clickTransId: prepareTrans }, signedWith)
      expect(prepare.body).toMatchObject({ error: ClickErrorCode.BadRequest, merchant_trans_id: cartB.cartId })
      expect(String(prepare.body.click_trans_id)).toBe(prepareTrans)
      const complete = await callback("complete", unserved, cartB, { clickTransId: completeTrans, merchantPrepareId: prepareB }, signedWith)
      expect(complete.body).toMatchObject({ error: ClickErrorCode.BadRequest })
    }
    // The audit says why: no gateway of this backend checked the signature.
    const { rows: audited } = await backend.db.query(
      `SELECT DISTINCT error, reason, signature_valid FROM click_callback WHERE click_trans_id = ANY($1)`,
      [sent]
    )
    expect(audited).toEqual([{ error: ClickErrorCode.BadRequest, reason: "service_id:unknown", signature_valid: null }])
    expect(await recordsOf(cartB.cartId)).toEqual([
      { merchant_prepare_id: prepareB, service_id: serviceB.serviceId, state: "prepared", complete_click_trans_id: null, stamped: false, events: 1 },
    ])
  })

  it("pays each cart through its own service: each Complete verified with its own secret, each placement asking its own Click", async () => {
    debitAt(clickA, cartA, transA)
    debitAt(clickB, cartB, transB)
    const [a, b] = await Promise.all([
      callback("complete", serviceA, cartA, { clickTransId: transA, merchantPrepareId: prepareA }),
      callback("complete", serviceB, cartB, { clickTransId: transB, merchantPrepareId: prepareB }),
    ])
    expect(a.body).toMatchObject({ error: 0, merchant_confirm_id: prepareA })
    expect(b.body).toMatchObject({ error: 0, merchant_confirm_id: prepareB })

    expect(await waitForOrders(backend, cartA.cartId)).toBe(1)
    expect(await waitForOrders(backend, cartB.cartId)).toBe(1)
    for (const [cart, service, prepareId] of [[cartA, serviceA, prepareA], [cartB, serviceB, prepareB]] as const) {
      const row = await waitForPaymentState(backend, { merchantPrepareId: prepareId }, ["placed"])
      expect(row?.state).toBe("placed")
      const { rows } = await backend.db.query(
        `SELECT t.service_id, t.verified_payment_status, p.provider_id, p.amount::text AS amount
           FROM click_transaction t JOIN payment p ON p.payment_session_id = t.payment_session_id
          WHERE t.merchant_prepare_id = $1`,
        [prepareId]
      )
      // Click's Merchant API of the payment's own service said "paid" (the other double does not know the payment).
      expect(rows).toEqual([
        { service_id: service.serviceId, verified_payment_status: 2, provider_id: service.providerId, amount: String(Number(cart.amount)) },
      ])
    }
    expect(clickA.payment(`9${transB}`)).toBeUndefined()
    expect(clickB.payment(`9${transA}`)).toBeUndefined()
  })

  it("bills a phone's invoice to the service the cart's session pays with", async () => {
    const cart = await createPayableCart(backend, { providerId: serviceB.providerId })
    const answer = await backend.http
      .post(`/store/click/carts/${cart.cartId}/invoice`)
      .set("x-publishable-api-key", backend.publishableKey)
      .send({ phone: "+998901234567" })
    expect(answer.status).toBe(201)
    const invoiceId: string = answer.body.invoice.invoice_id
    const atClick = async (click: MerchantApiDouble) => (await fetch(new URL(`invoices/${invoiceId}`, click.controlUrl))).status
    expect([await atClick(clickB), await atClick(clickA)]).toEqual([200, 404])
    const { rows } = await backend.db.query(`SELECT service_id FROM click_invoice WHERE invoice_id = $1`, [invoiceId])
    expect(rows).toEqual([{ service_id: serviceB.serviceId }])
  })

  /** Sandbox mode: the demo shop, Click's pay page and the Click app, in a real browser, paying with the second service. */
  describe.runIf(browserAvailable())("in a real browser", () => {
    let browser: Browser
    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })

    /** The demo shop with the second service chosen: it serves a backend of several sandbox services and offers the region's. */
    const shopWithServiceB = async () => {
      const page = await openPage(browser)
      expect((await page.goto(`${backend.url}/click-sandbox/shop`))?.status()).toBe(200)
      await page.getByTestId("click-service").selectOption(serviceB.providerId)
      return page
    }

    /** The cart's one order, as the confirmation names it, placed on a payment of the second service whose debit only its Click holds. */
    const expectPaidToServiceB = async (cartId: string, shown: string) => {
      expect(await countOrdersForCart(backend, cartId)).toBe(1)
      const { rows } = await backend.db.query(
        `SELECT t.service_id, t.state, t.complete_click_trans_id, o.display_id
           FROM click_transaction t JOIN "order" o ON o.id = t.order_id
          WHERE t.merchant_trans_id = $1`,
        [cartId]
      )
      expect(rows).toEqual([
        { service_id: serviceB.serviceId, state: "placed", complete_click_trans_id: expect.any(String), display_id: expect.any(Number) },
      ])
      expect(shown).toBe(`Order #${rows[0].display_id} placed`)
      // Click's debit, under the trans id its Complete named: in the second service's ledger, none in the first's.
      const debits = (click: MerchantApiDouble) => click.payments().filter((payment) => payment.merchant_trans_id === cartId)
      expect(debits(clickB)).toEqual([
        expect.objectContaining({ click_trans_id: rows[0].complete_click_trans_id, service_id: serviceB.serviceId, status: 2, amount_tiyin: "5840000" }),
      ])
      expect(debits(clickA)).toEqual([])
    }

    it("demo shop → the second service on Click's sandbox pay page → Pay → the order confirmation: one order, paid to the second service only", async () => {
      const page = await shopWithServiceB()
      await page.locator("button[data-handle=click-demo-tshirt]").click()

      await page.waitForURL(/\/click-sandbox\/pay\?/)
      expect(new URL(page.url()).searchParams.get("service_id")).toBe(serviceB.serviceId)
      const cartId = (await page.getByTestId("cart-id").textContent())!
      expect(cartId).toMatch(/^cart_/)
      await page.getByRole("button", { name: "Pay", exact: true }).click()

      await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
      const status = page.getByTestId("payment-status")
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Order #\d+ placed$/)
      await screenshot(page, "several-services-order-confirmation")
      expect(page.errors).toEqual([])
      await expectPaidToServiceB(cartId, (await status.textContent())!)
    })

    it("demo shop → Pay by phone with the second service → Confirm in the sandbox's Click app → the order confirmation: one order, paid to the second service only", async () => {
      const page = await shopWithServiceB()
      await page.locator("button[data-phone-handle=click-demo-tshirt]").click()
      await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
      const cartId = new URL(page.url()).searchParams.get("cart_id")!
      await page.getByTestId("open-click-app").click()

      await page.waitForURL(/\/click-sandbox\/app\?/)
      expect(await page.getByTestId("cart-id").textContent()).toBe(cartId)
      await page.getByRole("button", { name: "Confirm" }).click()

      await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
      const status = page.getByTestId("payment-status")
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Order #\d+ placed$/)
      expect(page.errors).toEqual([])
      await expectPaidToServiceB(cartId, (await status.textContent())!)
      const { rows } = await backend.db.query(`SELECT service_id FROM click_invoice WHERE merchant_trans_id = $1`, [cartId])
      expect(rows).toEqual([{ service_id: serviceB.serviceId }])
    })
  })

  it("saves a card with the service the customer names; it pays only that service's carts, at that service's Click", async () => {
    const customer = await loggedInCustomer(backend)
    const store = customerStore(backend)
    const unnamed = await store("post", "/store/click/cards", customer.bearer, { card_number: newCardNumber(), expire_date: "1229" })
    expect(unnamed.status).toBe(409)
    expect(unnamed.body).toMatchObject({ code: "provider_required", message: expect.stringContaining(serviceB.providerId) })

    const card = await savedCard(backend, customer.bearer, clickB.controlUrl, { providerId: serviceB.providerId })
    const listed = await store("get", "/store/click/cards", customer.bearer)
    expect(listed.body.cards).toEqual([expect.objectContaining({ id: card.id, provider_id: serviceB.providerId })])

    // A cart of the first service cannot be paid with the second service's card: nothing is asked of either Click.
    const cartA = await customersCart(backend, customer, { providerId: serviceA.providerId })
    const refused = await store("post", `/store/click/carts/${cartA.cartId}/card-payment`, customer.bearer, { payment_method_id: card.id })
    expect(refused.status).toBe(409)
    expect(refused.body).toMatchObject({ code: "card_of_another_service" })

    const cartB = await customersCart(backend, customer, { providerId: serviceB.providerId })
    const paid = await store("post", `/store/click/carts/${cartB.cartId}/card-payment`, customer.bearer, { payment_method_id: card.id })
    expect(paid.status, paid.text).toBe(201)
    expect(await waitForOrders(backend, cartB.cartId)).toBe(1)
    const debitsOf = (click: MerchantApiDouble, cartId: string) => click.payments().filter((payment) => payment.merchant_trans_id === cartId)
    expect(debitsOf(clickB, cartB.cartId)).toEqual([expect.objectContaining({ status: 2, amount_tiyin: cartB.amountTiyin.toString() })])
    expect([...debitsOf(clickA, cartB.cartId), ...debitsOf(clickA, cartA.cartId), ...debitsOf(clickB, cartA.cartId)]).toEqual([])
    expect(await recordsOf(cartB.cartId)).toEqual([expect.objectContaining({ service_id: serviceB.serviceId })])
    expect(await recordsOf(cartA.cartId)).toEqual([])
  })

  it("reconciles each service's Prepare left without its Complete with that service's own Click", async () => {
    const left = await Promise.all(
      ([[serviceA, clickA], [serviceB, clickB]] as const).map(async ([service, click]) => {
        const cart = await createPayableCart(backend, { providerId: service.providerId })
        const clickTransId = newClickTransId()
        const prepared = await callback("prepare", service, cart, { clickTransId })
        expect(prepared.body).toMatchObject({ error: 0 })
        // Click took the money; its Complete never arrives.
        debitAt(click, cart, clickTransId)
        return { cart, service, merchantPrepareId: prepared.body.merchant_prepare_id as number }
      })
    )
    for (const { cart, service, merchantPrepareId } of left) {
      expect(await waitForOrders(backend, cart.cartId, 90_000)).toBe(1)
      const row = await waitForPaymentState(backend, { merchantPrepareId }, ["placed"])
      expect(row).toMatchObject({ state: "placed", complete_click_trans_id: null })
      const { rows } = await backend.db.query(`SELECT service_id FROM click_transaction WHERE merchant_prepare_id = $1`, [merchantPrepareId])
      expect(rows).toEqual([{ service_id: service.serviceId }])
    }
  }, 150_000)

  it("lists each service's payments apart in the admin", async () => {
    const listB = await admin("GET", `/admin/click/transactions?service_id=${serviceB.serviceId}`)
    expect(listB.status).toBe(200)
    const listA = await admin("GET", `/admin/click/transactions?service_id=${serviceA.serviceId}`)
    const cartsOf = (list: typeof listA) => list.body.transactions.map((t: { merchant_trans_id: string }) => t.merchant_trans_id)
    expect(listB.body.transactions.every((t: { service_id: string }) => t.service_id === serviceB.serviceId)).toBe(true)
    expect(listA.body.transactions.every((t: { service_id: string }) => t.service_id === serviceA.serviceId)).toBe(true)
    expect(cartsOf(listB)).toContain(cartB.cartId)
    expect(cartsOf(listB)).not.toContain(cartA.cartId)
    expect(cartsOf(listA)).toContain(cartA.cartId)
    expect(cartsOf(listA)).not.toContain(cartB.cartId)
  })

  it("names both services to the dashboard, ids only", async () => {
    const services = await admin("GET", "/admin/click/services")
    expect(services.status).toBe(200)
    expect(services.body).toEqual({ services: [{ service_id: serviceA.serviceId }, { service_id: serviceB.serviceId }] })
  })

  it("reverses an admin refund of service B's payment at B's Click only: A's ledger untouched, the payment ends reversed", async () => {
    const cart = await createPayableCart(backend, { providerId: serviceB.providerId })
    const clickTransId = newClickTransId()
    const prepared = await callback("prepare", serviceB, cart, { clickTransId })
    expect(prepared.body).toMatchObject({ error: 0 })
    const merchantPrepareId: number = prepared.body.merchant_prepare_id
    debitAt(clickB, cart, clickTransId)
    expect((await callback("complete", serviceB, cart, { clickTransId, merchantPrepareId })).body).toMatchObject({ error: 0 })
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    const placed = await waitForPaymentState(backend, { merchantPrepareId }, ["placed"])
    const { rows } = await backend.db.query(
      `SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.merchant_prepare_id = $1`,
      [merchantPrepareId]
    )
    const ledgerA = clickA.payments()

    const refund = await admin("POST", `/admin/payments/${rows[0].id}/refund`).send({ amount: Number(cart.amount) })
    expect(refund.status, refund.text).toBe(200)
    const paydocId = `9${clickTransId}`
    expect(clickB.payment(paydocId)?.reversals).toEqual([expect.objectContaining({ amount_tiyin: String(parseSoumsToTiyin(cart.amount)) })])
    expect(clickB.reversalCalls(paydocId)).toBe(1)
    expect(clickA.reversalCalls(paydocId)).toBe(0)
    expect(clickA.payments()).toEqual(ledgerA)
    expect(await waitForPaymentState(backend, { merchantPrepareId }, ["reversed"])).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
      order_id: placed!.order_id,
    })
    expect(await recordsOf(cart.cartId)).toEqual([expect.objectContaining({ service_id: serviceB.serviceId, state: "reversed" })])
  })
})
