import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { faultUpdates, waitForStatement } from "./harness/faults"
import { countOrdersForCart, createPayableCart, paymentRow, waitForPaymentState } from "./harness/storefront"
import { FISCAL_RECEIPTS_ENV, giveEveryProductACode } from "./harness/fiscal"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A Medusa error answer's body: Medusa's type and message, never a stack trace. */
const STACK_TRACE = /\bat .+\.(js|ts):\d+/

/**
 * Two ways a refund could leave a Click payment without its outcome, against
 * the project's Click Merchant API double over real HTTP, whose ledger holds
 * every reversal Click made:
 * - a partial reversal whose answer was lost: Click's payment/status cannot
 *   tell whether it happened (the payment stays paid either way), so a person
 *   settles it after checking Click's merchant cabinet;
 * - a refund recorded in Medusa before the Click payment is `placed` (the
 *   process died between Medusa's order and the payment's `placed`).
 */
describe("uncertain partial reversals, and refunds recorded before the payment is placed", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_MERCHANT_API_TIMEOUT_MS: "1500",
        CLICK_PARTIAL_REFUNDS: "true",
        // A reversal's answer is given up on after 3 s here (5 minutes by default).
        CLICK_REVERSAL_SETTLE_AFTER_SEC: "3",
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_REFUND_FOLLOW_CRON: "* * * * * *",
        CLICK_ORDER_RETRY_CRON: "* * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
        // A dead process's claim on a placement runs out after 4 s here (30 s by default).
        CLICK_PLACEMENT_LEASE_SEC: "4",
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

  function admin(method: string, path: string, body?: unknown, at: { url: string; token: string } = { url: backend.url, token }) {
    return fetch(`${at.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${at.token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => ({ status: response.status, body: await response.json().catch(() => null) }))
  }

  /** A Click payment's order and Medusa payment; `placed` unless told not to wait for it. */
  async function paidOrder(options: { waitForPlaced?: boolean } = {}) {
    const payment = await clickPays(backend, double, await createPayableCart(backend))
    expect(payment.answer!.error).toBe(0)
    if (options.waitForPlaced !== false) {
      await waitForPaymentState(backend, { merchantPrepareId: payment.merchantPrepareId }, ["placed"])
    }
    const { rows } = await backend.db.query("SELECT id FROM click_transaction WHERE merchant_prepare_id = $1", [payment.merchantPrepareId])
    return { ...payment, transactionId: rows[0].id as string }
  }

  async function medusaPaymentOf(order: { merchantPrepareId: number }) {
    const { rows } = await backend.db.query(
      `SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.merchant_prepare_id = $1`,
      [order.merchantPrepareId]
    )
    return rows[0]?.id as string | undefined
  }

  const refund = async (order: { merchantPrepareId: number }, soums: number, at?: { url: string; token: string }) =>
    admin("POST", `/admin/payments/${await medusaPaymentOf(order)}/refund`, { amount: soums }, at)

  const detail = (order: { transactionId: string }) => admin("GET", `/admin/click/transactions/${order.transactionId}`).then((r) => r.body.transaction)

  const settle = (order: { transactionId: string }, reversalId: string, body: unknown) =>
    admin("POST", `/admin/click/transactions/${order.transactionId}/reversals/${reversalId}/settle`, body)

  /** Until a person may settle it: the settle delay after it was sent. */
  const untilSettleable = (reversal: { settle_after: string }) => sleep(Math.max(0, Date.parse(reversal.settle_after) - Date.now()) + 200)

  const adminUserIds = async () => (await backend.db.query('SELECT id FROM "user" WHERE deleted_at IS NULL')).rows.map((u: { id: string }) => u.id)

  const PART = 1000

  it("a partial reversal Click made whose answer was lost: a person settles it as done, the refund is then recorded without a second reversal, and the rest reverses the payment", async () => {
    const order = await paidOrder()
    const capturedTiyin = BigInt(double.payment(order.clickPaydocId)!.amount_tiyin)
    // Click reverses the part, then the connection is reset before its answer arrives.
    double.injectFault({ endpoint: "payment/partial_reversal", kind: "lost_answer", as: "reset" })
    const lost = await refund(order, PART)
    expect(lost.status, JSON.stringify(lost.body)).toBe(400)
    expect(lost.body.message).toMatch(/may have reversed/)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
    const [reversal] = (await detail(order)).reversals
    expect(reversal).toMatchObject({ status: "sent", full_reversal: false, amount_tiyin: "100000" })

    // Before the settle delay Click may still be at it: nobody settles it by hand.
    const early = await settle(order, reversal.id, { outcome: "done", note: "cabinet: reversed" })
    expect(early.status, JSON.stringify(early.body)).toBe(400)
    expect(early.body.message).toMatch(/settled by hand from/)

    await untilSettleable(reversal)
    // Click's payment/status (still paid) cannot settle it: it blocks every other refund, and the record outside Click.
    const blocked = await refund(order, PART)
    expect(blocked.status).toBe(400)
    expect(blocked.body.message).toMatch(/merchant cabinet/)
    expect((await admin("POST", `/admin/click/transactions/${order.transactionId}/refunded-outside-click`, { note: "cash" })).status).toBe(400)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    expect((await detail(order)).reversals[0].status).toBe("sent")

    // Settling needs an admin session, a known reversal of this payment, Click's outcome and what the cabinet shows.
    const settlePath = `/admin/click/transactions/${order.transactionId}/reversals/${reversal.id}/settle`
    expect((await fetch(`${backend.url}${settlePath}`, { method: "POST" })).status).toBe(401)
    for (const [body, status] of [
      [{ outcome: "maybe", note: "x" }, 400],
      [{ outcome: "done" }, 400],
      [{ outcome: "done", note: "   " }, 400],
    ] as const) {
      const answer = await settle(order, reversal.id, body)
      expect(answer.status, JSON.stringify(body)).toBe(status)
      expect(JSON.stringify(answer.body)).not.toMatch(STACK_TRACE)
    }
    const unknown = await settle(order, "clickrv_unknown", { outcome: "done", note: "x" })
    expect(unknown.status).toBe(404)
    expect(JSON.stringify(unknown.body)).not.toMatch(STACK_TRACE)

    const settled = await settle(order, reversal.id, { outcome: "done", note: "cabinet shows partial reversal 1000.00 UZS" })
    expect(settled.status, JSON.stringify(settled.body)).toBe(200)
    const users = await adminUserIds()
    const settledRow = settled.body.transaction.reversals[0]
    expect(settledRow).toMatchObject({ status: "done", settled_note: "cabinet shows partial reversal 1000.00 UZS" })
    expect(users.some((id: string) => settledRow.settled_by.includes(id))).toBe(true)
    expect(Date.parse(settledRow.settled_at)).toBeGreaterThan(Date.now() - 60_000)
    const event = settled.body.transaction.events.find((e: { reason: string }) => e.reason === "reversal_settled_by_admin")
    expect(event).toMatchObject({ from_state: "placed", to_state: "placed" })
    expect(event.detail).toMatch(/Click reversed it.*cabinet shows partial reversal 1000\.00 UZS/)
    expect(settled.body.transaction.state).toBe("placed")
    // The person's word sent nothing to Click.
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    // Settled once: a second word on it is refused.
    expect((await settle(order, reversal.id, { outcome: "not_done", note: "changed my mind" })).status).toBe(400)

    // Medusa still has no refund for it: asked again, it is recorded, and nothing is sent to Click.
    const recorded = await refund(order, PART)
    expect(recorded.status, JSON.stringify(recorded.body)).toBe(200)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)

    // The settled part counts toward the captured sum: refunding the rest returns exactly what was taken.
    const rest = await refund(order, Number(order.amount) - PART)
    expect(rest.status, JSON.stringify(rest.body)).toBe(200)
    expect(await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["reversed", "reversal_failed"], 30_000)).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
    })
    const reversals = double.payment(order.clickPaydocId)!.reversals
    expect(double.reversalCalls(order.clickPaydocId)).toBe(2)
    expect(reversals.reduce((sum, r) => sum + BigInt(r.amount_tiyin), 0n)).toBe(capturedTiyin)
  })

  it("a partial reversal Click never made whose answer was lost: a person settles it as not done, and the refund asked again reverses once", async () => {
    const order = await paidOrder()
    // Click's gateway answers 503 without acting: the backend cannot tell that from a lost answer.
    double.injectFault({ endpoint: "payment/partial_reversal", kind: "http_error", http_status: 503 })
    const lost = await refund(order, PART)
    expect(lost.status, JSON.stringify(lost.body)).toBe(400)
    expect(lost.body.message).toMatch(/may have reversed/)
    const [reversal] = (await detail(order)).reversals
    await untilSettleable(reversal)
    expect((await refund(order, PART)).status).toBe(400)

    const settled = await settle(order, reversal.id, { outcome: "not_done", note: "no such reversal in the cabinet" })
    expect(settled.status, JSON.stringify(settled.body)).toBe(200)
    expect(settled.body.transaction.reversals[0]).toMatchObject({ status: "not_done", settled_note: "no such reversal in the cabinet" })
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)

    const again = await refund(order, PART)
    expect(again.status, JSON.stringify(again.body)).toBe(200)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(2)
    expect(double.payment(order.clickPaydocId)!.reversals.map((r) => r.amount_tiyin)).toEqual(["100000"])
    expect((await paymentRow(backend, { merchantPrepareId: order.merchantPrepareId }))?.state).toBe("placed")
  })

  /**
   * Placement writes Medusa's order, marks Medusa's payment placed (which lets
   * an admin refund it), then records the Click payment `placed`. That last
   * write is held, and the process dies there.
   */
  async function orderWrittenThenProcessDied() {
    const restore = await faultUpdates(backend, "click_transaction", { kind: "slow", seconds: 60, only: { column: "state", equals: "placed" } })
    let order!: Awaited<ReturnType<typeof paidOrder>>
    try {
      order = await paidOrder({ waitForPlaced: false })
      await waitForStatement(backend, "%UPDATE click_transaction SET state =%", { hungMs: 300, timeoutMs: 30_000 })
      await backend.kill()
      // Its held write dies with it (as its connection would, were it not held in a sleep).
      await waitForStatement(backend, "%UPDATE click_transaction SET state =%", { terminate: true })
    } finally {
      await restore()
    }
    expect((await paymentRow(backend, { merchantPrepareId: order.merchantPrepareId }))?.state).toBe("confirmed")
    expect(await countOrdersForCart(backend, order.cartId)).toBe(1)
    return order
  }

  it("the process dies after Medusa authorized the payment and wrote the order, before `placed`: after a restart that order is recorded, and nothing is reversed", async () => {
    const order = await orderWrittenThenProcessDied()
    await backend.restart()
    token = await adminToken(backend.url)
    expect(await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["placed", "refund_required"], 30_000)).toMatchObject({
      state: "placed",
      refund_reason: null,
    })
    expect(await countOrdersForCart(backend, order.cartId)).toBe(1)
    expect(double.reversalCalls(order.clickPaydocId)).toBe(0)
  })

  it("a refund recorded in Medusa before the payment is placed: once placement completes the payment ends reversed, once, and no fiscal receipt is submitted", async () => {
    const order = await orderWrittenThenProcessDied()
    // After the restart placement stays held (every write to this payment's row fails) while an admin refunds the order.
    const hold = await faultUpdates(backend, "click_transaction", { kind: "fail", only: { column: "id", equals: order.transactionId } })
    try {
      await backend.restart()
      token = await adminToken(backend.url)
      const refunded = await refund(order, Number(order.amount))
      expect(refunded.status, JSON.stringify(refunded.body)).toBe(200)
      expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
      // Its payment.refunded event came while the Click payment was not placed.
      await sleep(2000)
      expect((await paymentRow(backend, { merchantPrepareId: order.merchantPrepareId }))?.state).toBe("confirmed")
    } finally {
      await hold()
    }
    // Placement completes (the job, every second).
    expect(await waitForPaymentState(backend, { merchantPrepareId: order.merchantPrepareId }, ["reversed", "reversal_failed", "contradicted"], 30_000)).toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
    })
    // The receipt job runs every second: the refunded sale gets no receipt, and Click reversed the payment once.
    await sleep(3000)
    expect(double.payment(order.clickPaydocId)!.fiscal_receipt).toBeNull()
    expect(double.reversalCalls(order.clickPaydocId)).toBe(1)
    expect(double.payment(order.clickPaydocId)!.reversals).toHaveLength(1)
    expect(await countOrdersForCart(backend, order.cartId)).toBe(1)
  })
})
