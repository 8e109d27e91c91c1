import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { parseSoumsToTiyin } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { expectNoCardSecrets, recordCardSecrets, recordedJson } from "./harness/card-secrets"
import { startClickDouble } from "./harness/click-double"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { customersCart, customerStore, loggedInCustomer, savedCard } from "./harness/customers"
import { countOrdersForCart, createPayableCart } from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** "An hour" of Click's repeated "no", and the 24 h horizon of "in progress", shrunk for the test. */
const SPREAD_SEC = 8
const HORIZON_SEC = 6

/**
 * Reconciliation never guesses (issue 15, item 2), against the project's
 * Merchant API double over real HTTP: a Prepare without its Complete is
 * cancelled only on Click's explicit, repeated "no" spread over the
 * configured time; answers that are not about the payment (401/403, other 4xx,
 * redirects, 5xx, timeouts) never count; 401/403 raise one admin alert and one
 * log line; "in progress" past the horizon stops being asked and needs a
 * person; two rows for one Click payment are one payment, never reversed.
 */
describe("reconciliation never guesses", () => {
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
        CLICK_MERCHANT_API_TIMEOUT_MS: "700",
        CLICK_RECONCILE_CRON: "* * * * * *",
        CLICK_RECONCILE_AFTER_SEC: "1",
        CLICK_RECONCILE_CANCEL_SPREAD_SEC: String(SPREAD_SEC),
        CLICK_RECONCILE_IN_PROGRESS_HORIZON_SEC: String(HORIZON_SEC),
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_ORDER_RETRY_CRON: "* * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
      },
    })
    token = await adminToken(backend.url)
  })
  // Each test queues its own faults; none is left for the next.
  beforeEach(() => double.clearFaults())
  afterAll(async () => {
    try {
      // The saved card and its SMS code are in no table, log line or answer.
      if (backend) await expectNoCardSecrets(cardSecrets, backend)
    } finally {
      await backend?.stop()
      await double?.stop()
    }
  })

  const admin = (method: string, path: string) =>
    fetch(`${backend.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } }).then(async (response) => ({
      status: response.status,
      body: await recordedJson(response),
    }))

  /** A storefront's cart and Click's Prepare of it (no Complete): `paid` also records the debit in Click's ledger. */
  async function prepared(options: { clickStatus?: number; paydocId?: string; cart?: { cartId: string; amount: string } } = {}) {
    const cart = options.cart ?? (await createPayableCart(backend))
    const clickTransId = newClickTransId()
    const clickPaydocId = options.paydocId ?? `9${clickTransId}`
    const answer = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId, clickPaydocId })
    expect(answer.body.error).toBe(0)
    if (options.clickStatus !== undefined) {
      double.registerPayment({
        payment_id: clickPaydocId,
        click_trans_id: clickTransId,
        merchant_trans_id: cart.cartId,
        amount_tiyin: String(parseSoumsToTiyin(cart.amount)),
        status: options.clickStatus,
      })
    }
    const { rows } = await backend.db.query("SELECT id FROM click_transaction WHERE click_trans_id = $1", [clickTransId])
    return { ...cart, clickTransId, clickPaydocId, merchantPrepareId: answer.body.merchant_prepare_id as number, id: rows[0].id as string }
  }

  async function row(id: string) {
    const { rows } = await backend.db.query(
      `SELECT state, attempts, reconcile_no_count, reconcile_no_since, reconcile_stalled_at, cancelled_at, last_error,
              EXTRACT(EPOCH FROM now())::float AS db_now
         FROM click_transaction WHERE id = $1`,
      [id]
    )
    return rows[0]
  }

  async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let value = await read()
    while (!done(value) && Date.now() < deadline) {
      await sleep(100)
      value = await read()
    }
    return value
  }

  it("a negative payment_status cancels only when Click repeats it, the first and the last answer the spread apart", async () => {
    const payment = await prepared({ clickStatus: -1 })
    const firstLookup = await until(() => row(payment.id), (r) => r.attempts >= 1 || r.state !== "prepared", 15_000)
    expect(firstLookup).toMatchObject({ state: "prepared" })
    // Several lookups, each "payment_status -1": still prepared, the answers counted in their own column.
    const third = await until(() => row(payment.id), (r) => r.attempts >= 3 || r.state !== "prepared", 15_000)
    expect(third).toMatchObject({ state: "prepared" })
    expect(third.reconcile_no_count).toBeGreaterThanOrEqual(2)

    const cancelled = await until(() => row(payment.id), (r) => r.state !== "prepared", 30_000)
    expect(cancelled).toMatchObject({ state: "cancelled" })
    expect(cancelled.last_error).toMatch(/Click said no \d+ times in a row/)
    const spread = new Date(cancelled.cancelled_at).getTime() / 1000 - new Date(cancelled.reconcile_no_since).getTime() / 1000
    expect(spread).toBeGreaterThanOrEqual(SPREAD_SEC)
    // The first "no" was seen no earlier than the first lookup.
    expect(new Date(cancelled.reconcile_no_since).getTime() / 1000).toBeGreaterThanOrEqual(firstLookup.db_now - 2)
    expect(cancelled.reconcile_no_count).toBeGreaterThanOrEqual(3)
  })

  it("401/403, a bare 404, a redirect, another 4xx, a 5xx and a timeout never count as 'not found'; 401/403 raise one alert and one log line naming the fix", async () => {
    // Click has no such payment: a "not found" is what Click would say if asked properly.
    const payment = await prepared()
    const faults = [
      { kind: "click_error", http_status: 401, error_code: -401, error_note: "Authorization failed: the digest does not match" },
      { kind: "click_error", http_status: 403, error_code: -403, error_note: "Access denied" },
      { kind: "http_answer", http_status: 404, body: "<html><h1>404 Not Found</h1></html>" },
      { kind: "http_answer", http_status: 302, location: "https://login.example/" },
      { kind: "click_error", http_status: 400, error_code: -400, error_note: "Bad request" },
      { kind: "click_error", http_status: 200, error_code: -16, error_note: "Payment not found" },
      { kind: "http_error", http_status: 502 },
      { kind: "hang", ms: 2000 },
    ] as const
    const started = Date.now()
    for (const fault of faults) {
      double.clearFaults()
      double.injectFault({ endpoint: "payment/status", ...fault, times: 1000 })
      // Asked now (the admin's Reconcile) and by the job meanwhile.
      for (let press = 0; press < 2; press++) {
        const result = await admin("POST", `/admin/click/transactions/${payment.id}/reconcile`)
        expect(result.status, JSON.stringify(result.body)).toBe(200)
      }
      const after = await row(payment.id)
      expect(after, JSON.stringify(fault)).toMatchObject({ state: "prepared", reconcile_no_count: 0 })
      if ("http_status" in fault && (fault.http_status === 401 || fault.http_status === 403)) {
        const { body } = await admin("GET", "/admin/click/alerts")
        expect(body.alerts).toHaveLength(1)
        expect(body.alerts[0].message).toMatch(/refuses this backend's credentials for service_id 12345/)
        expect(body.alerts[0].message).toMatch(/CLICK_MERCHANT_USER_ID, CLICK_SECRET_KEY/)
        expect(body.alerts[0].occurrences).toBeGreaterThanOrEqual(2)
      }
    }
    const meanwhile = await row(payment.id)
    // Many lookups over more than the spread, and not one counted toward cancelling.
    expect(meanwhile.attempts).toBeGreaterThanOrEqual(faults.length * 2)
    expect(Date.now() - started).toBeGreaterThan(SPREAD_SEC * 1000)
    expect(meanwhile).toMatchObject({ state: "prepared", reconcile_no_count: 0 })
    const logLines = backend.readLog().split("\n").filter((line) => line.includes("refuses this backend's credentials"))
    expect(logLines).toHaveLength(1)
    expect(logLines[0]).not.toContain("integration-test-secret")

    // Click answers properly again: its "not found" is the first one, whatever the claim's attempts; the alert closes.
    double.clearFaults()
    const result = await admin("POST", `/admin/click/transactions/${payment.id}/reconcile`)
    expect(result.status).toBe(200)
    const firstNo = await until(() => row(payment.id), (r) => r.reconcile_no_count >= 1, 15_000)
    expect(firstNo).toMatchObject({ state: "prepared" })
    expect(firstNo.attempts).toBeGreaterThanOrEqual(faults.length * 2)
    expect((await admin("GET", "/admin/click/alerts")).body.alerts).toEqual([])
    // …and Click repeating it over the spread does cancel it: nothing was taken.
    expect(await until(() => row(payment.id), (r) => r.state !== "prepared", 40_000)).toMatchObject({ state: "cancelled" })
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)
  })

  it("a payment Click keeps in progress past the horizon is no longer asked, needs attention, and is never cancelled", async () => {
    const payment = await prepared({ clickStatus: 1 })
    const stalled = await until(() => row(payment.id), (r) => r.reconcile_stalled_at !== null || r.state !== "prepared", 30_000)
    expect(stalled).toMatchObject({ state: "prepared", reconcile_stalled_at: expect.any(Date) })
    expect(stalled.last_error).toMatch(/in progress for \d+ s/)

    // No longer asked: the job leaves it alone.
    await sleep(4000)
    const later = await row(payment.id)
    expect(later).toMatchObject({ state: "prepared", attempts: stalled.attempts })

    const attention = await admin("GET", "/admin/click/transactions?needs_attention=true&limit=200")
    const listed = attention.body.transactions.find((t: { id: string }) => t.id === payment.id)
    expect(listed).toMatchObject({ state: "prepared", reconcile_stalled_at: expect.any(String) })
    expect(listed.events.map((e: { reason: string }) => e.reason)).toContain("reconcile_stalled")

    // A person checks Click's cabinet and presses Reconcile: asked again (still in progress, so nothing changes).
    const pressed = await admin("POST", `/admin/click/transactions/${payment.id}/reconcile`)
    expect(pressed.body.result).toEqual({ action: "reconcile", outcome: "pending" })
    expect(await row(payment.id)).toMatchObject({ state: "prepared", reconcile_stalled_at: null })
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)
  })

  it("two rows for one Click payment are one payment: the paydoc of the placed one is never reversed", async () => {
    /**
     * Click repeats Prepare for one payment (one click_paydoc_id) under a new
     * click_trans_id, and debits it once. Whichever row becomes the order (the
     * job may look the older one up first), the other is a duplicate, and the
     * paydoc is never reversed.
     */
    async function onePaymentTwoRows(olderCompletes: boolean) {
      const older = await prepared()
      // With the older attempt's Complete to come, Click's ledger shows the debit only from the newer
      // one's Complete on, so that the older Complete (not the job) is what meets the paid cart.
      const newer = await prepared({ cart: older, paydocId: older.clickPaydocId, clickStatus: olderCompletes ? undefined : 2 })
      if (olderCompletes) {
        double.registerPayment({
          payment_id: newer.clickPaydocId,
          click_trans_id: newer.clickTransId,
          merchant_trans_id: newer.cartId,
          amount_tiyin: String(parseSoumsToTiyin(newer.amount)),
        })
      }
      expect([0, -4]).toContain((await clickComplete(backend, newer)).body.error)
      // Click's Complete for the older click_trans_id, after the newer one paid the cart, hears "already paid".
      if (olderCompletes) expect((await clickComplete(backend, older)).body.error).toBe(-4)
      return [older, newer] as const
    }
    const pairs = [await onePaymentTwoRows(false), await onePaymentTwoRows(true)]

    const settled = (ids: string[]) =>
      backend.db.query("SELECT id, state FROM click_transaction WHERE id = ANY($1)", [ids]).then((r) => r.rows)
    for (const [older, newer] of pairs) {
      const rows = await until(
        () => settled([older.id, newer.id]),
        (rows) => rows.map((r) => r.state).sort().join() === "duplicate,placed",
        20_000
      )
      expect(rows.map((r) => r.state).sort()).toEqual(["duplicate", "placed"])
    }
    // The reversal job has had its chances.
    await sleep(3000)
    for (const [older, newer] of pairs) {
      expect((await settled([older.id, newer.id])).map((r) => r.state).sort()).toEqual(["duplicate", "placed"])
      expect(double.reversalCalls(older.clickPaydocId)).toBe(0)
      expect(double.payment(older.clickPaydocId)!.reversals).toHaveLength(0)
      expect(double.payment(older.clickPaydocId)!.status).toBe(2)
      expect(await countOrdersForCart(backend, older.cartId)).toBe(1)
      // A repeated Complete for either row changes nothing.
      expect((await clickComplete(backend, older)).body.error).toBe(-4)
      expect((await clickComplete(backend, newer)).body.error).toBe(-4)
    }
  })

  it("a saved-card debit whose answer was lost is found at Click by its cart and becomes exactly one order", async () => {
    const customer = await loggedInCustomer(backend)
    const card = await savedCard(backend, customer.bearer, double.controlUrl)
    const { cartId, amountTiyin } = await customersCart(backend, customer)
    // Click debits the card, and its answer never arrives.
    double.injectFault({ endpoint: "card_token/payment", kind: "lost_answer" })
    const paid = await customerStore(backend)("post", `/store/click/carts/${cartId}/card-payment`, customer.bearer, { payment_method_id: card.id })
    expect(paid.status, paid.text).toBe(201)
    expect(paid.body).toEqual({ card_payment: { status: "processing" } })
    const [debit, ...others] = double.payments().filter((payment) => payment.merchant_trans_id === cartId)
    expect(others).toEqual([])
    expect(debit).toMatchObject({ status: 2, amount_tiyin: amountTiyin.toString() })

    // Reconciliation asks Click by the cart id (transaction_parameter) and finds the debit.
    const attempts = () =>
      backend.db
        .query("SELECT state, debit_via, click_paydoc_id FROM click_transaction WHERE merchant_trans_id = $1", [cartId])
        .then((result) => result.rows)
    const rows = await until(attempts, (rows) => rows[0]?.state === "placed", 30_000)
    expect(await countOrdersForCart(backend, cartId)).toBe(1)
    expect(rows).toEqual([expect.objectContaining({ state: "placed", debit_via: "card_token", click_paydoc_id: debit.payment_id })])
    expect(double.payment(debit.payment_id)!.reversals).toHaveLength(0)
  })
})
