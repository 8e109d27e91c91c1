import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { formatTiyinAsSoums } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { expectNoCardSecrets, recordCardSecrets, recordedJson } from "./harness/card-secrets"
import { startClickDouble } from "./harness/click-double"
import { clickPrepare, newClickTransId } from "./harness/click"
import { customersCart, customerStore, loggedInCustomer, savedCard, type LoggedInCustomer } from "./harness/customers"
import { faultInserts, releaseHeld, waitForStatement } from "./harness/faults"
import { countOrdersForCart, poll, waitForOrders } from "./harness/storefront"

/** A Prepare holds the cart for 2 s here (15 minutes by default); reconciliation asks after 5 s (a minute by default). */
const HOLD_SEC = 2
const RECONCILE_AFTER_SEC = 5

/**
 * Checkout with a saved card, attacked: a storefront (or someone holding a
 * customer's token) doing what a storefront should not, at the worst moments,
 * against a real backend and Click's Merchant API double behind its fault
 * front. Whatever is tried, every debit at Click ends as exactly one order or
 * exactly one reversal, and the cart never gets a second order.
 */
describe("saved-card checkout under attack", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  const cardSecrets = recordCardSecrets()
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        // Info lines too are scanned for card data.
        LOG_LEVEL: "info",
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_MERCHANT_API_TIMEOUT_MS: "1500",
        CLICK_PREPARED_HOLD_SEC: String(HOLD_SEC),
        CLICK_RECONCILE_CRON: "* * * * * *",
        CLICK_RECONCILE_AFTER_SEC: String(RECONCILE_AFTER_SEC),
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_ORDER_RETRY_CRON: "* * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
      },
    })
    token = await adminToken(backend.url)
  })
  beforeEach(() => double.clearFaults())
  afterAll(async () => {
    try {
      // The cards and their SMS codes are in no table, log line (the restarted process's too) or answer.
      if (backend) await expectNoCardSecrets(cardSecrets, backend)
    } finally {
      await backend?.stop()
      await double?.stop()
    }
  })

  const store = (method: "get" | "post" | "delete", path: string, bearer?: string, body?: object) => customerStore(backend)(method, path, bearer, body)
  const pay = (customer: LoggedInCustomer, cartId: string, cardId: string) =>
    store("post", `/store/click/carts/${cartId}/card-payment`, customer.bearer, { payment_method_id: cardId })
  const cartStatus = async (cartId: string) => (await store("get", `/store/click/carts/${cartId}`)).body.status as string
  /** What Click's card_token/payment answers for this token from now on: 1 still processing, 2 paid. */
  const setCardPaymentStatus = async (token: string, paymentStatus: number) => {
    const response = await fetch(new URL(`card-tokens/${token}/payment-status`, double.controlUrl), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ payment_status: paymentStatus }),
    })
    expect(response.status).toBe(200)
  }
  const debitsAtClick = (cartId: string) => double.payments().filter((payment) => payment.merchant_trans_id === cartId)
  const attemptsOf = async (cartId: string) =>
    (
      await backend.db.query(
        `SELECT id, state, debit_via, click_paydoc_id, order_id, merchant_prepare_id
           FROM click_transaction WHERE merchant_trans_id = $1 ORDER BY created_at`,
        [cartId]
      )
    ).rows
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${backend.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: await recordedJson(response) }))

  /** Each debit Click holds for the cart is either the order's (not reversed) or reversed in full, and there is one order. */
  async function everyDebitEndsOnce(cartId: string, timeoutMs = 30_000) {
    expect(await waitForOrders(backend, cartId, timeoutMs)).toBe(1)
    const debits = await poll(
      async () => debitsAtClick(cartId),
      (debits) => debits.filter((debit) => debit.status === 2 && debit.reversals.length === 0).length <= 1 && debits.every((debit) => debit.reversals.length <= 1),
      timeoutMs
    )
    const kept = debits.filter((debit) => debit.reversals.length === 0 && debit.status >= 0)
    expect(kept, JSON.stringify(debits)).toHaveLength(1)
    expect(debits.every((debit) => debit.reversals.length <= 1)).toBe(true)
    expect(await countOrdersForCart(backend, cartId)).toBe(1)
    return debits
  }

  it("three card-payment POSTs for one cart at once: one debit at Click, one order; the others are refused", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId } = await customersCart(backend, alice)

    const answers = await Promise.all([pay(alice, cartId, card.id), pay(alice, cartId, card.id), pay(alice, cartId, card.id)])
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409])
    expect(await waitForOrders(backend, cartId)).toBe(1)
    expect(debitsAtClick(cartId)).toHaveLength(1)
    expect(await countOrdersForCart(backend, cartId)).toBe(1)
  })

  it("while Click processes the debit: no cart edit, no new session, no storefront completion, no pay-page Prepare; then exactly one order", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId } = await customersCart(backend, alice)
    await setCardPaymentStatus(card.token, 1)
    const processing = await pay(alice, cartId, card.id)
    expect(processing.body).toEqual({ card_payment: { status: "processing" } })
    const [debit] = debitsAtClick(cartId)

    const { body } = await store("get", `/store/carts/${cartId}`, alice.bearer)
    const editItem = await store("post", `/store/carts/${cartId}/line-items`, alice.bearer, { variant_id: body.cart.items[0].variant_id, quantity: 1 })
    expect(editItem.status).toBe(409)
    const { shipping_options } = (await store("get", `/store/shipping-options?cart_id=${cartId}`, alice.bearer)).body
    expect((await store("post", `/store/carts/${cartId}/shipping-methods`, alice.bearer, { option_id: shipping_options[0].id })).status).toBe(409)
    const newSession = await store("post", `/store/payment-collections/${body.cart.payment_collection.id}/payment-sessions`, alice.bearer, {
      provider_id: "pp_click_click",
    })
    expect(newSession.status).toBe(409)
    const completed = await store("post", `/store/carts/${cartId}/complete`, alice.bearer)
    expect(completed.status).toBeGreaterThanOrEqual(400)
    expect(await countOrdersForCart(backend, cartId)).toBe(0)
    // Click's pay page for the same cart: Prepare is refused (the card's debit is the cart's payment).
    const amount = formatTiyinAsSoums(BigInt(debit.amount_tiyin))
    const prepare = await clickPrepare(backend, { cartId, amount, clickTransId: newClickTransId() })
    expect(prepare.body.error).not.toBe(0)

    double.settlePayment(debit.payment_id, 2)
    expect(await poll(() => cartStatus(cartId), (status) => status === "paid", 20_000)).toBe("paid")
    await everyDebitEndsOnce(cartId)
    expect(debitsAtClick(cartId)).toHaveLength(1)
  })

  it("Click processes, then the payment fails: no order, nothing to reverse, and the cart is payable again, once", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId } = await customersCart(backend, alice)
    await setCardPaymentStatus(card.token, 1)
    expect((await pay(alice, cartId, card.id)).body).toEqual({ card_payment: { status: "processing" } })
    const [failing] = debitsAtClick(cartId)
    double.settlePayment(failing.payment_id, -1)
    expect(await poll(() => cartStatus(cartId), (status) => status === "cancelled", 20_000)).toBe("cancelled")
    expect(await countOrdersForCart(backend, cartId)).toBe(0)
    // A card Click did not debit is a refusal, not a contradiction: cancelled, Click's answer kept, nobody called.
    const listed = await admin("GET", `/admin/click/transactions?merchant_trans_id=${cartId}`)
    expect(listed.body.transactions).toEqual([
      expect.objectContaining({
        debit_via: "card_token",
        click_paydoc_id: failing.payment_id,
        state: "cancelled",
        verified_payment_status: -1,
        verification_answer: expect.stringMatching(/^payment_status -1/),
      }),
    ])
    expect((await admin("GET", `/admin/click/transactions?needs_attention=true&merchant_trans_id=${cartId}`)).body.transactions).toEqual([])
    expect((await admin("GET", "/admin/click/alerts")).body.alerts).toEqual([])

    await setCardPaymentStatus(card.token, 2)
    const again = await pay(alice, cartId, card.id)
    expect(again.status, again.text).toBe(201)
    expect(await waitForOrders(backend, cartId)).toBe(1)
    const debits = debitsAtClick(cartId)
    expect(debits.map((debit) => debit.status).sort()).toEqual([-1, 2])
    expect(debits.flatMap((debit) => debit.reversals)).toEqual([])
    expect(await countOrdersForCart(backend, cartId)).toBe(1)
  })

  it("a card debit whose answer was lost: Click's pay page for the cart is refused until reconciliation makes the debit its one order", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    double.injectFault({ endpoint: "card_token/payment", kind: "lost_answer" })
    expect((await pay(alice, cartId, card.id)).body).toEqual({ card_payment: { status: "processing" } })
    const [cardDebit] = debitsAtClick(cartId)
    expect(cardDebit).toMatchObject({ status: 2 })

    // The shopper, told "processing", pays on Click's page before reconciliation asked about the card.
    const amount = formatTiyinAsSoums(amountTiyin)
    const clickTransId = newClickTransId()
    const clickPaydocId = `9${clickTransId}`
    const prepare = await clickPrepare(backend, { cartId, amount, clickTransId, clickPaydocId })
    // Refused while the card's debit awaits Click's word: a second debit would hide it from reconciliation.
    expect(prepare.body.error).toBe(-5)
    // Reconciliation finds the card's debit by the cart id, and it is the order.
    const [debit] = await everyDebitEndsOnce(cartId, 40_000)
    expect(debit).toMatchObject({ payment_id: cardDebit.payment_id, reversals: [] })
    expect((await attemptsOf(cartId)).filter((row) => row.state === "prepared")).toEqual([])
  })

  it("a card debit whose answer was lost holds the cart past the Prepare hold: no second card payment, no edit; the debit becomes its one order", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId } = await customersCart(backend, alice)
    double.injectFault({ endpoint: "card_token/payment", kind: "lost_answer" })
    expect((await pay(alice, cartId, card.id)).body).toEqual({ card_payment: { status: "processing" } })
    expect(debitsAtClick(cartId)).toHaveLength(1)

    await new Promise((resolve) => setTimeout(resolve, (HOLD_SEC + 0.5) * 1000))
    const second = await pay(alice, cartId, card.id)
    expect(second.status).toBe(409)
    expect(second.body).toMatchObject({ code: "click_payment_in_progress" })
    // Nor may the cart change meanwhile: the debit is for this cart and its session.
    const { body } = await store("get", `/store/carts/${cartId}`, alice.bearer)
    expect((await store("post", `/store/carts/${cartId}/line-items`, alice.bearer, { variant_id: body.cart.items[0].variant_id, quantity: 1 })).status).toBe(409)
    await everyDebitEndsOnce(cartId, 40_000)
    expect((await attemptsOf(cartId)).filter((row) => row.state === "prepared")).toEqual([])
  })

  it("an admin refund of a saved-card order reverses the debit once at Click; a second refund is refused", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    expect((await pay(alice, cartId, card.id)).status).toBe(201)
    const [placed] = await poll(() => attemptsOf(cartId), (rows) => rows[0]?.state === "placed", 20_000)
    const { rows } = await backend.db.query(
      `SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.id = $1`,
      [placed.id]
    )
    const amount = Number(formatTiyinAsSoums(amountTiyin))
    const refund = await admin("POST", `/admin/payments/${rows[0].id}/refund`, { amount })
    expect(refund.status, JSON.stringify(refund.body)).toBe(200)
    const again = await admin("POST", `/admin/payments/${rows[0].id}/refund`, { amount })
    expect(again.status).toBeGreaterThanOrEqual(400)
    expect(again.status).toBeLessThan(500)
    const [debit] = debitsAtClick(cartId)
    expect(debit.reversals).toEqual([expect.objectContaining({ amount_tiyin: amountTiyin.toString() })])
    expect(double.reversalCalls(debit.payment_id)).toBe(1)
    expect(await poll(() => attemptsOf(cartId), (rows) => rows[0]?.state === "reversed", 20_000)).toEqual([
      expect.objectContaining({ state: "reversed", order_id: placed.order_id }),
    ])
    // The refunded cart is not payable again: its order exists.
    expect((await pay(alice, cartId, card.id)).status).toBe(409)
    expect(debitsAtClick(cartId)).toHaveLength(1)
  })

  it("another customer's cart or card: refused; the cart cannot be transferred while Click processes its debit; Click is asked once", async () => {
    const alice = await loggedInCustomer(backend)
    const mallory = await loggedInCustomer(backend)
    const alicesCard = await savedCard(backend, alice.bearer, double.controlUrl)
    const mallorysCard = await savedCard(backend, mallory.bearer, double.controlUrl)
    const { cartId } = await customersCart(backend, alice)
    expect((await pay(mallory, cartId, mallorysCard.id)).body).toMatchObject({ code: "cart_not_found" })
    expect((await pay(mallory, cartId, alicesCard.id)).body).toMatchObject({ code: "card_not_found" })
    expect(debitsAtClick(cartId)).toEqual([])

    await setCardPaymentStatus(alicesCard.token, 1)
    expect((await pay(alice, cartId, alicesCard.id)).body).toEqual({ card_payment: { status: "processing" } })
    // Medusa lets any logged-in customer take a cart by its id; not while Click debits it.
    expect((await store("post", `/store/carts/${cartId}/customer`, mallory.bearer)).status).toBe(409)
    expect((await pay(mallory, cartId, mallorysCard.id)).body).toMatchObject({ code: "cart_not_found" })
    const [debit] = debitsAtClick(cartId)
    double.settlePayment(debit.payment_id, 2)
    expect(await poll(() => cartStatus(cartId), (status) => status === "paid", 20_000)).toBe("paid")
    await everyDebitEndsOnce(cartId)
    expect(debitsAtClick(cartId)).toHaveLength(1)
  })

  // Last: it kills and restarts the backend.
  it("a pay-page Prepare that read the cart before a card debit's row and writes after it gives way (-5): the card's lost answer still becomes the one order", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    const clickTransId = newClickTransId()
    const restore = await faultInserts(backend, "click_transaction", { kind: "hold", only: { column: "click_trans_id", equals: clickTransId } })
    try {
      // Prepare has found the cart free and is held at its insert.
      const prepare = clickPrepare(backend, { cartId, amount: formatTiyinAsSoums(amountTiyin), clickTransId, clickPaydocId: `9${clickTransId}` })
      await waitForStatement(backend, "%INSERT INTO click_transaction%")
      double.injectFault({ endpoint: "card_token/payment", kind: "lost_answer" })
      expect((await pay(alice, cartId, card.id)).body).toEqual({ card_payment: { status: "processing" } })
      expect(debitsAtClick(cartId)).toHaveLength(1)
      await releaseHeld(backend, "click_transaction", "INSERT")
      expect((await prepare).body.error).toBe(-5)
    } finally {
      await restore()
    }
    expect((await attemptsOf(cartId)).map((row) => `${row.debit_via}:${row.state}`).sort()).toEqual(["card_token:prepared", "click_callbacks:cancelled"])
    await everyDebitEndsOnce(cartId, 40_000)
  })

  it("a card payment that read the cart before a pay-page Prepare's row and writes after it is withdrawn before Click is asked", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    const restore = await faultInserts(backend, "click_transaction", { kind: "hold", only: { column: "debit_via", equals: "card_token" } })
    try {
      // The card payment has found the cart free and is held at its insert.
      const paying = pay(alice, cartId, card.id)
      await waitForStatement(backend, "%INSERT INTO click_transaction%")
      const prepare = await clickPrepare(backend, { cartId, amount: formatTiyinAsSoums(amountTiyin), clickTransId: newClickTransId() })
      expect(prepare.body.error).toBe(0)
      await releaseHeld(backend, "click_transaction", "INSERT")
      const answer = await paying
      expect(answer.status).toBe(409)
      expect(answer.body).toMatchObject({ code: "click_payment_in_progress" })
    } finally {
      await restore()
    }
    expect(debitsAtClick(cartId)).toEqual([])
    expect((await attemptsOf(cartId)).map((row) => `${row.debit_via}:${row.state}`).sort()).toEqual(["card_token:cancelled", "click_callbacks:prepared"])
  })

  it("a pay-page Prepare older than the hold still bars a saved card: Click may yet debit it, and nothing is sent to Click", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    expect((await clickPrepare(backend, { cartId, amount: formatTiyinAsSoums(amountTiyin), clickTransId: newClickTransId() })).body.error).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, (HOLD_SEC + 0.5) * 1000))
    const answer = await pay(alice, cartId, card.id)
    expect(answer.status).toBe(409)
    expect(answer.body).toMatchObject({ code: "click_payment_in_progress" })
    expect(debitsAtClick(cartId)).toEqual([])
    expect((await attemptsOf(cartId)).map((row) => `${row.debit_via}:${row.state}`)).toEqual(["click_callbacks:prepared"])
  })

  it("the backend killed (SIGKILL) while Click debits the card: after the restart, the debit becomes exactly one order", async () => {
    const alice = await loggedInCustomer(backend)
    const card = await savedCard(backend, alice.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, alice)
    // Click holds the request 4 s, then debits: the backend is dead by then.
    double.injectFault({ endpoint: "card_token/payment", kind: "hang", ms: 4000 })
    const dying = pay(alice, cartId, card.id).catch((error: Error) => error)
    expect(await poll(async () => double.heldRequests(), (held) => held === 1, 10_000)).toBe(1)
    await backend.kill()
    await dying
    const [debit] = await poll(async () => debitsAtClick(cartId), (debits) => debits.length === 1, 10_000)
    expect(debit).toMatchObject({ status: 2, amount_tiyin: amountTiyin.toString() })
    expect(await attemptsOf(cartId)).toEqual([expect.objectContaining({ state: "prepared", debit_via: "card_token", click_paydoc_id: null })])

    await backend.restart()
    expect(await cartStatus(cartId)).toMatch(/processing|paid/)
    const [kept] = await everyDebitEndsOnce(cartId, 40_000)
    expect(kept).toMatchObject({ payment_id: debit.payment_id, reversals: [] })
    expect(await poll(() => attemptsOf(cartId), (rows) => rows[0]?.state === "placed", 20_000)).toEqual([
      expect.objectContaining({ state: "placed", click_paydoc_id: debit.payment_id }),
    ])
  })
})
