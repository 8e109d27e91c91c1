import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { clickComplete } from "./harness/click"
import { faultUpdates } from "./harness/faults"
import { createPayableCart, paymentRow, waitForPaymentState } from "./harness/storefront"
import { FISCAL_RECEIPTS_ENV, giveEveryProductACode } from "./harness/fiscal"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Refunds at most once, cancellations never wedged, admin refunds always
 * reaching the Click state: the backend against the project's Click Merchant
 * API double over real HTTP, whose ledger counts every reversal Click made and
 * every reversal request it received. Click's answer is lost here after Click
 * acted (the connection reset, or a proxy's 502), which the backend can tell
 * apart only by asking Click's payment/status.
 */
describe("refunds at most once", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_MERCHANT_API_TIMEOUT_MS: "1500",
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_REFUND_FOLLOW_CRON: "* * * * * *",
        // Click's status settles a lost answer after 3 s here (5 minutes by default).
        CLICK_REVERSAL_SETTLE_AFTER_SEC: "3",
        CLICK_ORDER_RETRY_CRON: "*/2 * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
        ...FISCAL_RECEIPTS_ENV,
      },
    })
    token = await adminToken(backend.url)
    await giveEveryProductACode(backend.url, token)
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${backend.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: await response.json().catch(() => null) }))

  async function placedOrder() {
    const payment = await clickPays(backend, double, await createPayableCart(backend))
    expect(payment.answer!.error).toBe(0)
    await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["placed"])
    const { rows } = await backend.db.query(
      `SELECT p.id AS payment_id, t.id, t.order_id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id
        WHERE t.merchant_prepare_id = $1`,
      [payment.merchantPrepareId]
    )
    return { ...payment, transactionId: rows[0].id as string, orderId: rows[0].order_id as string, medusaPaymentId: rows[0].payment_id as string }
  }

  const refund = (order: { medusaPaymentId: string; amount: string }) =>
    admin("POST", `/admin/payments/${order.medusaPaymentId}/refund`, { amount: Number(order.amount) })

  it("an admin refund whose answer is lost (connection reset) reverses once: no repeat while uncertain, Click's status settles it", async () => {
    const order = await placedOrder()
    // Click reverses, then the connection is reset before its answer arrives.
    double.injectFault({ endpoint: "payment/reversal", kind: "lost_answer", as: "reset" })
    const first = await refund(order)
    expect(first.status, JSON.stringify(first.body)).toBe(400)
    // Click may have reversed it: the admin is not told that nothing was refunded.
    expect(first.body.message).not.toMatch(/nothing was refunded/i)
    expect(first.body.message).toMatch(/may have reversed/)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)

    // While the reversal is uncertain, a second refund sends nothing to Click.
    const second = await refund(order)
    expect(second.status).toBe(400)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)

    // After the settle delay Click's payment/status says it was reversed.
    expect(await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
    })
    // A refund asked again now is recorded in Medusa without a second reversal.
    const third = await refund(order)
    expect(third.status, JSON.stringify(third.body)).toBe(200)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
  })

  it("a reversal job whose answer is lost (a proxy's 502) reverses once", async () => {
    const payment = await clickPays(backend, double, await createPayableCart(backend), { complete: false })
    // Click took the money for a cart that is gone: the debit must go back.
    await backend.db.query("UPDATE cart SET deleted_at = now() WHERE id = $1", [payment.cartId])
    double.injectFault({ endpoint: "payment/reversal", kind: "lost_answer", as: "http_502" })
    expect((await clickComplete(backend, payment)).body.error).toBe(0)
    expect(await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)).toMatchObject({
      state: "reversed",
      refund_reason: "unplaceable",
    })
    // Stays so: nothing more is sent after the settle delay.
    await sleep(4000)
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(1)
    expect(double.payment(payment.clickPaydocId)!.reversals).toHaveLength(1)
  })

  it("the database refuses a second unsettled reversal of a payment, and reversals above the captured amount", async () => {
    const order = await placedOrder()
    const { rows } = await backend.db.query("SELECT amount_tiyin::bigint::text AS captured FROM click_transaction WHERE id = $1", [order.transactionId])
    const captured = BigInt(rows[0].captured)
    const insert = (id: string, tiyin: bigint, status: string) =>
      backend.db.query(
        `INSERT INTO click_reversal (id, transaction_id, paydoc_id, amount_tiyin, full_reversal, status, requested_by)
         VALUES ($1, $2, $3, $4, false, $5, 'test')`,
        [id, order.transactionId, order.clickPaydocId, tiyin.toString(), status]
      )
    await insert(`rv_a_${order.transactionId}`, captured - 100n, "done")
    await expect(insert(`rv_b_${order.transactionId}`, 101n, "sent")).rejects.toMatchObject({ code: "23514" })
    await insert(`rv_c_${order.transactionId}`, 60n, "sent")
    await expect(insert(`rv_d_${order.transactionId}`, 40n, "sent")).rejects.toMatchObject({ code: "23505" })
    await expect(
      backend.db.query("UPDATE click_reversal SET amount_tiyin = 101 WHERE id = $1", [`rv_c_${order.transactionId}`])
    ).rejects.toMatchObject({ code: "23514" })
    // Refused and not-done reversals moved no money: they do not count.
    await insert(`rv_e_${order.transactionId}`, captured, "refused")
  })

  it("a cancellation Click refuses shows Click's reason, and is finished by a person recording the refund outside Click", async () => {
    const order = await placedOrder()
    // Click refuses this payment's reversal (a previous month's payment, a card type): every time it is asked.
    double.injectFault({ endpoint: "payment/reversal", kind: "click_error", error_code: -33, error_note: "Reversal period expired", times: 50 })
    try {
      // Medusa cancels the order; its refund, refused by Click, is only logged by Medusa.
      const cancelled = await admin("POST", `/admin/orders/${order.orderId}/cancel`)
      expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
      expect(cancelled.body.order.status).toBe("canceled")
      expect(JSON.stringify(cancelled.body)).not.toMatch(/\bat .+\.(js|ts):\d+/)

      // The Click payment does not stay "placed": Click's refusal is what the admin sees.
      const failed = await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["reversal_failed", "reversed"], 30_000)
      expect(failed).toMatchObject({ state: "reversal_failed", refund_reason: "refunded_by_admin" })
      expect(failed!.last_error).toMatch(/Reversal period expired/)
      const attention = await admin("GET", "/admin/click/transactions?needs_attention=true&limit=200")
      expect(attention.body.transactions.map((t: { id: string }) => t.id)).toContain(order.transactionId)
      const detail = await admin("GET", `/admin/click/transactions/${order.transactionId}`)
      expect(detail.body.transaction.reversals.length).toBeGreaterThan(0)
      for (const reversal of detail.body.transaction.reversals) {
        expect(reversal).toMatchObject({ status: "refused", click_answer: expect.stringMatching(/Reversal period expired/) })
      }

      // Recording it needs an admin session, and a refusal Click gave.
      const other = await placedOrder()
      expect((await admin("POST", `/admin/click/transactions/${other.transactionId}/refunded-outside-click`)).status).toBe(400)
      expect((await fetch(`${backend.url}/admin/click/transactions/${order.transactionId}/refunded-outside-click`, { method: "POST" })).status).toBe(401)

      const { rows: users } = await backend.db.query('SELECT id FROM "user" WHERE deleted_at IS NULL')
      const recorded = await admin("POST", `/admin/click/transactions/${order.transactionId}/refunded-outside-click`, { note: "bank transfer 4711" })
      expect(recorded.status, JSON.stringify(recorded.body)).toBe(200)
      expect(recorded.body.transaction.state).toBe("refunded_outside_click")
      const event = recorded.body.transaction.events.find((e: { to_state: string }) => e.to_state === "refunded_outside_click")
      expect(event.detail).toMatch(/bank transfer 4711/)
      expect(users.some((u: { id: string }) => event.detail.includes(u.id))).toBe(true)
      expect(Date.parse(event.created_at)).toBeGreaterThan(Date.now() - 60_000)

      // Settled: nothing more is asked of Click, and no money moved there.
      const calls = double.reversalCalls(order.clickPaydocId)
      await sleep(3000)
      expect(double.reversalCalls(order.clickPaydocId)).toBe(calls)
      expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(0)
    } finally {
      double.clearFaults()
    }
  })

  it("an admin refund whose event is lost still ends the Click payment reversed, once, and its sale gets no fiscal receipt", async () => {
    // Click's receipt service is down, so the order's receipt is still pending when it is refunded.
    double.injectFault({ endpoint: "payment/ofd_data/submit_items", kind: "http_error", http_status: 503, times: 1000 })
    const order = await placedOrder()
    const pendingSince = Date.now()
    while (Date.now() - pendingSince < 20_000) {
      const { rows } = await backend.db.query("SELECT fiscal_status, fiscal_error FROM click_transaction WHERE id = $1", [order.transactionId])
      if (rows[0].fiscal_status === "pending" && rows[0].fiscal_error) break
      await sleep(100)
    }
    // No attempt at the receipt runs while the refund is made (the client's own retries of one last up to ~4 s).
    await backend.db.query("UPDATE click_transaction SET fiscal_next_attempt_at = now() + interval '1 hour' WHERE id = $1", [order.transactionId])
    await sleep(5000)
    // While the refund is recorded, no Click payment can become refund_required: the subscriber's work is lost.
    const restore = await faultUpdates(backend, "click_transaction", { kind: "fail", only: { column: "state", equals: "refund_required" } })
    try {
      const refunded = await refund(order)
      expect(refunded.status, JSON.stringify(refunded.body)).toBe(200)
      expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
      // Click's receipt service is back and the receipt is due now: the sale was refunded, so none may go.
      double.clearFaults()
      await backend.db.query("UPDATE click_transaction SET fiscal_next_attempt_at = now() WHERE id = $1", [order.transactionId])
      await sleep(3000)
      expect((await paymentRow(backend, { merchantPrepareId: order.merchantPrepareId }))?.state).toBe("placed")
      expect(double.payment(order.clickPaydocId)!.fiscal_receipt).toBeNull()
    } finally {
      await restore()
    }
    expect(await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
    })
    await sleep(2000)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
    expect(double.payment(order.clickPaydocId)!.fiscal_receipt).toBeNull()
  })
})
