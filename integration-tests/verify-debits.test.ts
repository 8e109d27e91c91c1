import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { parseSoumsToTiyin } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, completeFields, newClickTransId, postCallback } from "./harness/click"
import { clickPays, startClickDouble } from "./harness/click-double"
import { fastJobsEnv } from "./harness/faults"
import { countOrdersForCart, createPayableCart, poll, waitForOrders, waitForPaymentState } from "./harness/storefront"

/**
 * Click does not sign Complete's `error` field. Before an order is placed for
 * a confirmed payment, the backend asks Click's Merchant API (here the
 * project's double, over HTTP) whether the money was taken: only
 * payment_status 2 becomes an order.
 */
describe("a debit is real only when Click says so", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({ env: { CLICK_MERCHANT_API_URL: double.url, ...fastJobsEnv } })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  /** Click prepares a payment for a fresh cart; its ledger holds the payment as `status`, or not at all. */
  async function preparedPayment(status: number | null) {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const clickPaydocId = `9${clickTransId}`
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId, clickPaydocId })
    expect(prepared.body.error).toBe(0)
    if (status !== null) {
      double.registerPayment({
        payment_id: clickPaydocId,
        click_trans_id: clickTransId,
        merchant_trans_id: cart.cartId,
        amount_tiyin: String(parseSoumsToTiyin(cart.amount)),
        status,
      })
    }
    return { ...cart, clickTransId, clickPaydocId, merchantPrepareId: prepared.body.merchant_prepare_id as number }
  }

  type Prepared = Awaited<ReturnType<typeof preparedPayment>>

  /** Click's own Complete for a declined payment, as captured on the wire. */
  const declinedComplete = (payment: Prepared) => completeFields({ ...payment, error: "-5017" })

  /** The same captured Complete with `error` changed to 0: its signature still matches. */
  const replayedAsPaid = (captured: Record<string, string>) => ({ ...captured, error: "0", error_note: "Success" })

  async function row(payment: Prepared) {
    const { rows } = await backend.db.query(
      `SELECT id, state, refund_reason, order_id, last_error, verified_payment_status, verification_answer,
              verified_at, verification_waits, next_attempt_at
         FROM click_transaction WHERE merchant_prepare_id = $1`,
      [payment.merchantPrepareId]
    )
    return rows[0]
  }

  async function events(payment: Prepared) {
    const { rows } = await backend.db.query(
      `SELECT e.from_state, e.to_state, e.reason, e.detail FROM click_payment_event e
         JOIN click_transaction t ON t.id = e.transaction_id WHERE t.merchant_prepare_id = $1 ORDER BY e.created_at`,
      [payment.merchantPrepareId]
    )
    return rows
  }

  const settle = () => new Promise((resolve) => setTimeout(resolve, 3000))

  it("a captured Complete with error=-5017 replayed with error=0 is answered 0 but never becomes an order", async () => {
    const payment = await preparedPayment(-5017)
    const captured = declinedComplete(payment)

    // The replay is correctly signed (Click does not sign `error`) and fresh: answered from the state.
    const replay = await postCallback(backend, "complete", replayedAsPaid(captured))
    expect(replay.body).toMatchObject({ error: 0, merchant_confirm_id: payment.merchantPrepareId })

    const contradicted = await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["contradicted", "placed"])
    expect(contradicted).toMatchObject({ state: "contradicted", order_id: null, refund_reason: null })
    await settle()
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)
    // Click's answer is kept, as data.
    expect(await row(payment)).toMatchObject({
      state: "contradicted",
      verified_payment_status: -5017,
      verification_answer: expect.stringMatching(/^payment_status -5017/),
      verified_at: null,
    })
    expect(await events(payment)).toEqual([
      { from_state: null, to_state: "prepared", reason: "prepare", detail: null },
      { from_state: "prepared", to_state: "confirmed", reason: "click_confirmed", detail: null },
      { from_state: "confirmed", to_state: "contradicted", reason: "click_contradicts_complete", detail: expect.stringMatching(/^payment_status -5017/) },
    ])
    // Nothing was reversed: Click holds no money for it.
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(0)

    // Click's own declined Complete, and the replay again: answered as for the payment the replay
    // was told is confirmed (-4, Click's table), and nothing changes.
    expect((await postCallback(backend, "complete", captured)).body.error).toBe(-4)
    expect((await postCallback(backend, "complete", replayedAsPaid(captured))).body.error).toBe(-4)
    expect((await row(payment)).state).toBe("contradicted")
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)

    // The shopper sees a cancelled payment, and the cart is payable again: Click's real debit is its one order.
    const status = await backend.http.get(`/store/click/carts/${payment.cartId}`).set("x-publishable-api-key", backend.publishableKey)
    expect(status.body).toMatchObject({ status: "cancelled", order_id: null })
    const paid = await clickPays(backend, double, payment)
    expect(paid.answer!.error).toBe(0)
    expect(await waitForOrders(backend, payment.cartId)).toBe(1)
    await settle()
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)

    // The admin lists it as needing attention, with Click's answer.
    const token = await adminToken(backend.url)
    const listed = await fetch(`${backend.url}/admin/click/transactions?needs_attention=true&merchant_trans_id=${payment.cartId}`, {
      headers: { authorization: `Bearer ${token}` },
    }).then((response) => response.json())
    expect(listed.transactions).toEqual([
      expect.objectContaining({
        merchant_prepare_id: payment.merchantPrepareId,
        state: "contradicted",
        verified_payment_status: -5017,
        verification_answer: expect.stringMatching(/^payment_status -5017/),
        last_error: expect.stringMatching(/Click's Merchant API says this payment was not paid/),
      }),
    ])
  })

  it("a Complete for a payment Click does not know is contradicted (not found), never an order", async () => {
    const payment = await preparedPayment(null)
    // A correctly signed Complete reporting a debit Click never recorded.
    const answer = await clickComplete(backend, { ...payment, debited: false })
    expect(answer.body.error).toBe(0)
    expect(await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["contradicted", "placed"])).toMatchObject({
      state: "contradicted",
    })
    expect(await row(payment)).toMatchObject({
      verified_payment_status: null,
      verification_answer: expect.stringMatching(/^not found: HTTP 404, error_code -404/),
    })
    await settle()
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)
  })

  it("while Click's API is unreachable, refuses our credentials or reports the payment in progress, placement waits and retries: never a refund, then the order once Click says paid", async () => {
    // Unreachable (5xx), then our own credentials refused (401, 403): no usable answer.
    const unreachable = await preparedPayment(2)
    // One call's worth of 503s (the client tries 4 times), then a 401 and a 403.
    double.injectFault({ endpoint: "payment/status", kind: "http_error", http_status: 503, times: 4 })
    double.injectFault({ endpoint: "payment/status", kind: "click_error", http_status: 401, error_code: -401, error_note: "Authorization failed" })
    double.injectFault({ endpoint: "payment/status", kind: "click_error", http_status: 403, error_code: -403, error_note: "Access denied" })
    expect((await clickComplete(backend, unreachable)).body.error).toBe(0)
    // The faults are the double's, not the payment's: its placement meets them before another
    // payment's placement can ask Click.
    await poll(() => row(unreachable), (r) => r.verification_waits >= 1)
    // In progress at Click: payment_status 1.
    const processing = await preparedPayment(1)
    expect((await clickComplete(backend, { ...processing, debited: false })).body.error).toBe(0)

    const waited = await poll(() => row(processing), (r) => r.verification_waits >= 3 && /in progress/.test(r.last_error ?? ""))
    expect(waited).toMatchObject({ state: "confirmed", refund_reason: null, order_id: null, last_error: expect.stringMatching(/in progress: payment_status 1/) })
    expect(await countOrdersForCart(backend, processing.cartId)).toBe(0)

    // The faults run out: Click answers "paid", and the order follows.
    expect(await waitForPaymentState(backend, { merchantPrepareId: unreachable.merchantPrepareId }, ["placed", "contradicted"])).toMatchObject({ state: "placed" })
    expect(await countOrdersForCart(backend, unreachable.cartId)).toBe(1)
    const placed = await row(unreachable)
    expect(placed).toMatchObject({ state: "placed", refund_reason: null, verified_payment_status: 2, verified_at: expect.any(Date) })
    expect(placed.verification_waits).toBeGreaterThanOrEqual(1)
    expect((await events(unreachable)).map((e) => e.to_state)).toEqual(["prepared", "confirmed", "placed"])

    // Click finishes processing: paid.
    expect((await row(processing)).state).toBe("confirmed")
    double.settlePayment(processing.clickPaydocId, 2)
    expect(await waitForPaymentState(backend, { merchantPrepareId: processing.merchantPrepareId }, ["placed", "contradicted"])).toMatchObject({ state: "placed" })
    expect(await countOrdersForCart(backend, processing.cartId)).toBe(1)
    expect(await row(processing)).toMatchObject({ state: "placed", refund_reason: null, verified_payment_status: 2 })
    for (const payment of [unreachable, processing]) {
      expect(double.reversalCalls(payment.clickPaydocId)).toBe(0)
      expect((await events(payment)).some((e) => e.to_state === "refund_required")).toBe(false)
    }
    // Our credentials refused (401, 403): an admin alert and a log line naming the fix; Click's next proper answer closed it.
    const { rows: alerts } = await backend.db.query("SELECT key, message, resolved_at FROM click_alert")
    expect(alerts).toEqual([
      { key: expect.stringMatching(/^merchant_api_credentials:/), message: expect.stringMatching(/CLICK_MERCHANT_USER_ID, CLICK_SECRET_KEY/), resolved_at: expect.any(Date) },
    ])
    expect(backend.readLog().split("\n").filter((line) => line.includes("refuses this backend's credentials")).length).toBeGreaterThanOrEqual(1)
  })

  it("Click's declined Complete arriving for a payment the replay confirmed makes Click's API decide, at once", async () => {
    const payment = await preparedPayment(-5017)
    const captured = declinedComplete(payment)
    // Click's API cannot be asked when the replay arrives: the payment stays confirmed, waiting.
    double.injectFault({ endpoint: "payment/status", kind: "http_error", http_status: 502, times: 1000 })
    try {
      expect((await postCallback(backend, "complete", replayedAsPaid(captured))).body.error).toBe(0)
      const waiting = await poll(() => row(payment), (r) => r.verification_waits >= 1)
      expect(waiting).toMatchObject({ state: "confirmed", refund_reason: null, last_error: expect.stringMatching(/waiting for Click's Merchant API/) })
      // Between two attempts (no claim running), its next one is put an hour away.
      const postponed = await poll(
        () =>
          backend.db.query(
            `UPDATE click_transaction SET next_attempt_at = now() + interval '1 hour'
              WHERE merchant_prepare_id = $1 AND state = 'confirmed' AND leased_until IS NULL RETURNING id`,
            [payment.merchantPrepareId]
          ),
        (result) => result.rowCount === 1
      )
      expect(postponed.rowCount).toBe(1)
    } finally {
      double.clearFaults()
    }
    expect(await row(payment)).toMatchObject({ state: "confirmed" })
    const started = Date.now()
    // Click's own Complete: answered from the state (-4, Click's table for a cancel of a confirmed payment) …
    expect((await postCallback(backend, "complete", captured)).body.error).toBe(-4)
    // … and Click's API decides now, not in an hour.
    const decided = await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["contradicted", "placed"], 20_000)
    expect(decided?.state).toBe("contradicted")
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(await row(payment)).toMatchObject({ verified_payment_status: -5017 })
    await settle()
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)
  })

  it("the same Complete for a payment Click reports paid becomes its order (the check costs a real payment nothing)", async () => {
    const payment = await preparedPayment(2)
    expect((await clickComplete(backend, payment)).body.error).toBe(0)
    expect(await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["placed", "contradicted"])).toMatchObject({ state: "placed" })
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
    expect(await row(payment)).toMatchObject({ state: "placed", verified_payment_status: 2, verification_waits: 0 })
  })

  it("with verifyPayments off, the backend warns at boot naming the risk (and the replay then does become an order)", async () => {
    expect(backend.readLog()).not.toMatch(/CLICK_VERIFY_PAYMENTS/)
    const unverified = await startBackend({ env: { CLICK_MERCHANT_API_URL: double.url, CLICK_VERIFY_PAYMENTS: "false" } })
    try {
      const log = unverified.readLog()
      // One warning, in the plugin's JSON log line.
      expect(log).toMatch(/"level":40,.*"name":"medusa-payment-click".*verifyPayments\W{1,4}\(CLICK_VERIFY_PAYMENTS\) is off/)
      expect(log).toMatch(/replay it with error=0 within the sign_time window and get an order for money never taken/)

      // The risk it names, shown: the same replay, at a backend that does not ask Click.
      const cart = await createPayableCart(unverified)
      const clickTransId = newClickTransId()
      const clickPaydocId = `9${clickTransId}`
      const prepared = await clickPrepare(unverified, { cartId: cart.cartId, amount: cart.amount, clickTransId, clickPaydocId })
      double.registerPayment({ payment_id: clickPaydocId, merchant_trans_id: cart.cartId, amount_tiyin: String(parseSoumsToTiyin(cart.amount)), status: -5017 })
      const captured = completeFields({ ...cart, clickTransId, clickPaydocId, merchantPrepareId: prepared.body.merchant_prepare_id, error: "-5017" })
      expect((await postCallback(unverified, "complete", replayedAsPaid(captured))).body.error).toBe(0)
      expect(await waitForOrders(unverified, cart.cartId)).toBe(1)
    } finally {
      await unverified.stop()
    }
  })
})
