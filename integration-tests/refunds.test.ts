import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { formatSignTime } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { faultDeletes } from "./harness/faults"
import {
  countOrdersForCart,
  createPayableCart,
  LIMITED_PRINT,
  paymentRow,
  poll,
  setLimitedPrintStock,
  uniqueEmail,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The reversal half of "one order or one reversal", against the project's
 * own Click Merchant API double over real HTTP: Click's ledger of debits is
 * the double's, and every reversal the backend sends is counted there.
 */
describe("refunds, automatic reversal and reconciliation", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_MERCHANT_API_TIMEOUT_MS: "1500",
        CLICK_REVERSAL_CRON: "*/2 * * * * *",
        // A reversal whose answer was lost is settled by Click's status after 3 s (5 minutes by default).
        CLICK_REVERSAL_SETTLE_AFTER_SEC: "3",
        CLICK_RECONCILE_CRON: "*/2 * * * * *",
        CLICK_RECONCILE_AFTER_SEC: "3",
        // Click's "failed" cancels only when repeated over this spread (an hour by default).
        CLICK_RECONCILE_CANCEL_SPREAD_SEC: "2",
        CLICK_ORDER_RETRY_CRON: "*/2 * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
        // A dead process's claim on a reversal runs out after 4 s here (30 s by default).
        CLICK_PLACEMENT_LEASE_SEC: "4",
      },
    })
    token = await adminToken(backend.url)
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

  /** A storefront's cart, then Click's side of paying it (harness/click-double.ts). */
  async function pay(options: { handle?: string; complete?: boolean; signTime?: string; clickStatus?: number } = {}) {
    const cart = await createPayableCart(backend, { handle: options.handle })
    return clickPays(backend, double, cart, options)
  }

  const ledger = (paydocId: string) => double.payment(paydocId)!

  it("two carts pay for the last unit: one order, the other is answered 0 and reversed after exactly one reversal call", async () => {
    await setLimitedPrintStock(backend, 1)
    try {
      // Both carts first, then the two Prepares back to back. Click reports each debit
      // processing (payment_status 1) until after its Complete has been answered: were it
      // settled first, the reconciliation job could confirm it before the Complete arrives,
      // and that Complete would rightly hear -4.
      const carts = [await createPayableCart(backend, { handle: LIMITED_PRINT }), await createPayableCart(backend, { handle: LIMITED_PRINT })]
      const first = await clickPays(backend, double, carts[0], { complete: false, clickStatus: 1 })
      const second = await clickPays(backend, double, carts[1], { complete: false, clickStatus: 1 })
      expect((await clickComplete(backend, first)).body.error).toBe(0)
      double.settlePayment(first.clickPaydocId, 2)
      await waitForPaymentState(backend, { merchantPrepareId: first.merchantPrepareId }, ["placed"])
      expect((await clickComplete(backend, second)).body.error).toBe(0)
      double.settlePayment(second.clickPaydocId, 2)

      const reversed = await waitForPaymentState(backend, { merchantPrepareId: second.merchantPrepareId }, ["reversed", "reversal_failed"], 20_000)
      expect(reversed).toMatchObject({ state: "reversed", refund_reason: "unplaceable" })
      expect(double.reversalCalls(second.clickPaydocId)).toBe(1)
      expect(ledger(second.clickPaydocId).reversals).toHaveLength(1)
      expect(ledger(first.clickPaydocId).reversals).toHaveLength(0)
      expect(await countOrdersForCart(backend, first.cartId)).toBe(1)
      expect(await countOrdersForCart(backend, second.cartId)).toBe(0)
      const { rows } = await backend.db.query(
        "SELECT count(*)::int AS n FROM click_transaction WHERE merchant_trans_id = ANY($1) AND state = 'confirmed'",
        [[first.cartId, second.cartId]]
      )
      expect(rows[0].n).toBe(0)
    } finally {
      await setLimitedPrintStock(backend, 100)
    }
  })

  it("an order its failed completion could not delete is never left beside a reversal: the payment waits, then the order goes and the money goes back once", async () => {
    const email = uniqueEmail()
    const cart = await createPayableCart(backend, { handle: LIMITED_PRINT, email })
    // Click reports the debit processing until the Complete is answered (see the first test).
    const paid = await clickPays(backend, double, cart, { complete: false, clickStatus: 1 })
    const liveOrders = async () =>
      (await backend.db.query(`SELECT count(*)::int AS n FROM "order" WHERE email = $1 AND deleted_at IS NULL`, [email])).rows[0].n as number
    const row = () => paymentRow(backend, { merchantPrepareId: paid.merchantPrepareId })
    // The print sells out after Prepare: completion writes the order, then fails to reserve it,
    // and its compensation cannot delete that order (the fault), as if the database went away.
    await setLimitedPrintStock(backend, 0)
    try {
      const restore = await faultDeletes(backend, "order", { kind: "fail", only: { column: "email", equals: email } })
      try {
        expect((await clickComplete(backend, paid)).body.error).toBe(0)
        double.settlePayment(paid.clickPaydocId, 2)
        await poll(liveOrders, (n) => n > 0, 20_000)
        const written = (await row())!
        // The next placement attempt, or the payment settled.
        const later = await poll(row, (now) => !!now && (now.state !== "confirmed" || now.attempts > written.attempts), 20_000)
        // The order the failed completion left is still there: no refund is decided beside it.
        expect(later).toMatchObject({ state: "confirmed" })
        expect(later!.last_error).toMatch(/a failed completion left could not be deleted/)
        expect(await liveOrders()).toBe(1)
        expect(double.reversalCalls(paid.clickPaydocId)).toBe(0)
      } finally {
        await restore()
      }
      // The leftover order can go now, and only then does the money go back (still sold out).
      const reversed = await waitForPaymentState(backend, { merchantPrepareId: paid.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)
      expect(reversed).toMatchObject({ state: "reversed", refund_reason: "unplaceable" })
      expect(await liveOrders()).toBe(0)
      expect(double.reversalCalls(paid.clickPaydocId)).toBe(1)
    } finally {
      await setLimitedPrintStock(backend, 100)
    }
  })

  it("a second debit for an already paid cart is reversed once, automatically", async () => {
    const cart = await createPayableCart(backend)
    const attempts = []
    for (let i = 0; i < 2; i++) {
      const id = newClickTransId()
      const answer = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: id, clickPaydocId: `9${id}` })
      attempts.push({ cartId: cart.cartId, amount: cart.amount, clickTransId: id, clickPaydocId: `9${id}`, merchantPrepareId: answer.body.merchant_prepare_id })
      double.registerPayment({ payment_id: `9${id}`, merchant_trans_id: cart.cartId, amount_tiyin: String(Math.round(Number(cart.amount) * 100)) })
    }
    expect((await clickComplete(backend, attempts[0])).body.error).toBe(0)
    expect((await clickComplete(backend, attempts[1])).body.error).toBe(-4)
    const second = await waitForPaymentState(backend, { merchantPrepareId: attempts[1].merchantPrepareId }, ["reversed", "reversal_failed"], 20_000)
    expect(second).toMatchObject({ state: "reversed", refund_reason: "double_payment" })
    expect(double.reversalCalls(attempts[1].clickPaydocId)).toBe(1)
    expect(double.reversalCalls(attempts[0].clickPaydocId)).toBe(0)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
  })

  it("5xx answers and a timeout delay a reversal and never duplicate it; a refusal ends reversal_failed with Click's reason", async () => {
    const unplaceable = async () => {
      // A debit whose cart was deleted after Click took the money.
      const payment = await pay({ complete: false })
      await backend.db.query("UPDATE cart SET deleted_at = now() WHERE id = $1", [payment.cartId])
      return payment
    }
    const flaky = await unplaceable()
    double.injectFault({ endpoint: "payment/reversal", kind: "http_error", http_status: 503, times: 5 })
    expect((await clickComplete(backend, flaky)).body.error).toBe(0)
    // Each 503 may have reached Click: Click's status settles it (CLICK_REVERSAL_SETTLE_AFTER_SEC) before the next request.
    expect(await waitForPaymentState(backend, { merchantPrepareId: flaky.merchantPrepareId }, ["reversed"], 60_000)).toMatchObject({
      state: "reversed",
    })
    expect(ledger(flaky.clickPaydocId).reversals).toHaveLength(1)

    const slow = await unplaceable()
    // Click reverses, but answers after the backend's 1.5 s timeout.
    double.injectFault({ endpoint: "payment/reversal", kind: "hang", ms: 2500, times: 1 })
    expect((await clickComplete(backend, slow)).body.error).toBe(0)
    expect(await waitForPaymentState(backend, { merchantPrepareId: slow.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)).toMatchObject({
      state: "reversed",
    })
    expect(ledger(slow.clickPaydocId).reversals).toHaveLength(1)

    const refused = await unplaceable()
    double.injectFault({ endpoint: "payment/reversal", kind: "click_error", error_code: -33, error_note: "Reversal period expired", times: 1 })
    expect((await clickComplete(backend, refused)).body.error).toBe(0)
    const failed = await waitForPaymentState(backend, { merchantPrepareId: refused.merchantPrepareId }, ["reversal_failed", "reversed"], 20_000)
    expect(failed).toMatchObject({ state: "reversal_failed" })
    expect(failed!.last_error).toMatch(/Reversal period expired/)
    expect(ledger(refused.clickPaydocId).reversals).toHaveLength(0)
  })

  it("an admin refund of a Click order reverses it once; a second one is refused; Click's refusal reaches the admin; cancelling works", async () => {
    const paid = await pay()
    expect(await waitForOrders(backend, paid.cartId)).toBe(1)
    const placed = await waitForPaymentState(backend, { merchantPrepareId: paid.merchantPrepareId }, ["placed"])
    const paymentId = await medusaPaymentOf(paid.merchantPrepareId)

    const refund = await admin("POST", `/admin/payments/${paymentId}/refund`, { amount: Number(paid.amount) })
    expect(refund.status, JSON.stringify(refund.body)).toBe(200)
    expect(ledger(paid.clickPaydocId).reversals).toHaveLength(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: paid.merchantPrepareId }, ["reversed"])).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
      order_id: placed!.order_id,
    })
    const again = await admin("POST", `/admin/payments/${paymentId}/refund`, { amount: Number(paid.amount) })
    expect(again.status).toBeGreaterThanOrEqual(400)
    expect(again.status).toBeLessThan(500)
    expect(double.reversalCalls(paid.clickPaydocId)).toBe(1)

    const partial = await admin("POST", `/admin/payments/${paymentId}/refund`, { amount: 1000 })
    expect(partial.status).toBeGreaterThanOrEqual(400)

    const refusedOrder = await pay()
    await waitForPaymentState(backend, { merchantPrepareId: refusedOrder.merchantPrepareId }, ["placed"])
    const refusedPayment = await medusaPaymentOf(refusedOrder.merchantPrepareId)
    double.injectFault({ endpoint: "payment/reversal", kind: "click_error", error_code: -33, error_note: "Reversal period expired", times: 1 })
    const refused = await admin("POST", `/admin/payments/${refusedPayment}/refund`, { amount: Number(refusedOrder.amount) })
    expect(refused.status).toBe(400)
    expect(refused.body.message).toMatch(/Reversal period expired/)
    expect(ledger(refusedOrder.clickPaydocId).reversals).toHaveLength(0)
    expect((await paymentRow(backend, { merchantPrepareId: refusedOrder.merchantPrepareId }))?.state).toBe("placed")

    const { order_id } = (await paymentRow(backend, { merchantPrepareId: refusedOrder.merchantPrepareId }))!
    const cancelled = await admin("POST", `/admin/orders/${order_id}/cancel`)
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200)
    expect(cancelled.body.order.status).toBe("canceled")
  })

  it("reconciles Prepares whose Complete never came: paid at Click → order, failed → cancelled; a stale-signed Complete → order at once", async () => {
    const silentPaid = await pay({ complete: false })
    // Click's ledger says this one failed.
    const silentFailed = await pay({ complete: false, clickStatus: -1 })

    expect(await waitForOrders(backend, silentPaid.cartId, 20_000)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: silentPaid.merchantPrepareId }, ["placed"])).toMatchObject({
      state: "placed",
    })
    expect(await waitForPaymentState(backend, { merchantPrepareId: silentFailed.merchantPrepareId }, ["cancelled"], 20_000)).toMatchObject({
      state: "cancelled",
    })
    expect(await countOrdersForCart(backend, silentFailed.cartId)).toBe(0)

    const late = await pay({ signTime: formatSignTime(new Date(Date.now() - 3600_000)) })
    // Not acted on: -8 for the stale sign_time…
    expect(late.answer!.error).toBe(-8)
    // …but looked up at Click right away, long before the reconciliation window.
    expect(await waitForOrders(backend, late.cartId, 5000)).toBe(1)
  })

  it("killed while Click is reversing: after a restart the payment ends reversed, with the money returned once", async () => {
    const payment = await pay({ complete: false })
    await backend.db.query("UPDATE cart SET deleted_at = now() WHERE id = $1", [payment.cartId])
    // Click reverses, but only answers after 3 s: the backend dies while it waits.
    double.injectFault({ endpoint: "payment/reversal", kind: "hang", ms: 3000, times: 1 })
    expect((await clickComplete(backend, payment)).body.error).toBe(0)
    const deadline = Date.now() + 20_000
    while (double.reversalCalls(payment.clickPaydocId) === 0 && Date.now() < deadline) {
      await sleep(50)
    }
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(1)
    await backend.kill()
    expect((await paymentRow(backend, { merchantPrepareId: payment.merchantPrepareId }))?.state).toBe("refund_required")
    await backend.restart()
    token = await adminToken(backend.url)
    expect(
      await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)
    ).toMatchObject({ state: "reversed", refund_reason: "unplaceable" })
    expect(ledger(payment.clickPaydocId).reversals).toHaveLength(1)
    // The restarted backend asked Click's status and did not send the reversal again.
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(1)
  })

  async function medusaPaymentOf(merchantPrepareId: number): Promise<string> {
    const { rows } = await backend.db.query(
      `SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id
        WHERE t.merchant_prepare_id = $1`,
      [merchantPrepareId]
    )
    return rows[0].id
  }
})
