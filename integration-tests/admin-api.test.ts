import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { clickComplete } from "./harness/click"
import { faultOrderInserts } from "./harness/faults"
import { countOrdersForCart, createPayableCart, paymentRow, waitForPaymentState } from "./harness/storefront"
import { clickMerchant } from "./harness/test-env"

/**
 * The operator's view over HTTP: the transactions list and detail with
 * Click's callbacks, and Retry / Reconcile, which go through the same claimed
 * paths as the jobs. The jobs' own retries are pushed an hour away here, so
 * whatever happens after a button is the button's doing.
 */
describe("admin API for Click payments", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_PLACEMENT_RETRY_BASE_SEC: "3600",
        CLICK_RECONCILE_AFTER_SEC: "3600",
      },
    })
    token = await adminToken(backend.url)
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  const admin = (method: string, path: string) =>
    fetch(`${backend.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } }).then(async (response) => ({
      status: response.status,
      body: await response.json().catch(() => null),
    }))

  /** A storefront's cart, Click's side of paying it, and the payment's row id. */
  async function pay(options: { complete?: boolean; decline?: boolean } = {}) {
    const payment = await clickPays(backend, double, await createPayableCart(backend), options)
    if (payment.answer) expect(payment.answer.error).toBe(options.decline ? -9 : 0)
    const { rows } = await backend.db.query("SELECT id FROM click_transaction WHERE click_trans_id = $1", [payment.clickTransId])
    return { ...payment, id: rows[0].id as string }
  }

  it("needs an admin session for every route", async () => {
    const payment = await pay({ complete: false })
    for (const [method, path] of [
      ["GET", "/admin/click/transactions"],
      ["GET", `/admin/click/transactions/${payment.id}`],
      ["POST", `/admin/click/transactions/${payment.id}/retry`],
      ["POST", `/admin/click/transactions/${payment.id}/reconcile`],
    ]) {
      expect((await fetch(`${backend.url}${path}`, { method })).status, `${method} ${path}`).toBe(401)
    }
    expect((await admin("GET", "/admin/click/transactions/clicktx_unknown")).status).toBe(404)
    expect((await admin("POST", "/admin/click/transactions/clicktx_unknown/retry")).status).toBe(404)
  })

  it("names the backend's one Click service to an admin only, so the dashboard shows no service column or filter", async () => {
    expect((await fetch(`${backend.url}/admin/click/services`)).status).toBe(401)
    const services = await admin("GET", "/admin/click/services")
    expect(services).toEqual({ status: 200, body: { services: [{ service_id: clickMerchant.serviceId }] } })
  })

  it("lists in Medusa's shape with state, needs-attention, q and created_at filters, pagination, callbacks and state changes", async () => {
    const before = new Date()
    const placed = await pay()
    await waitForPaymentState(backend, { merchantPrepareId: placed.merchantPrepareId }, ["placed"])
    const cancelled = await pay({ decline: true })
    const prepared = await pay({ complete: false })
    const ours = (body: { transactions: Array<{ id: string }> }) =>
      body.transactions.map((t) => t.id).filter((id) => [placed.id, cancelled.id, prepared.id].includes(id))

    const recent = await admin("GET", `/admin/click/transactions?created_at[gte]=${before.toISOString()}`)
    expect(recent.status).toBe(200)
    expect(recent.body).toMatchObject({ count: 3, offset: 0, limit: 50 })
    // Newest first.
    expect(recent.body.transactions.map((t: { id: string }) => t.id)).toEqual([prepared.id, cancelled.id, placed.id])

    const [paidOne] = recent.body.transactions.filter((t: { id: string }) => t.id === placed.id)
    expect(paidOne).toMatchObject({
      merchant_prepare_id: placed.merchantPrepareId,
      click_trans_id: placed.clickTransId,
      click_paydoc_id: placed.clickPaydocId,
      merchant_trans_id: placed.cartId,
      amount: placed.amount,
      state: "placed",
      refund_reason: null,
      order_id: expect.stringMatching(/^order_/),
      last_error: null,
    })
    expect(paidOne.callbacks.map((c: { endpoint: string; error: number }) => [c.endpoint, c.error])).toEqual([
      ["prepare", 0],
      ["complete", 0],
    ])
    expect(paidOne.callbacks[0].fields).toMatchObject({ click_trans_id: placed.clickTransId, amount: placed.amount })
    expect(JSON.stringify(paidOne.callbacks)).not.toContain(clickMerchant.secretKey)
    expect(paidOne.events.map((e: { to_state: string }) => e.to_state)).toEqual(["prepared", "confirmed", "placed"])

    const page = await admin("GET", `/admin/click/transactions?created_at[gte]=${before.toISOString()}&limit=2&offset=2`)
    expect(page.body).toMatchObject({ count: 3, offset: 2, limit: 2 })
    expect(page.body.transactions.map((t: { id: string }) => t.id)).toEqual([placed.id])

    const states = await admin("GET", "/admin/click/transactions?state=cancelled,prepared&limit=200")
    expect(ours(states.body).sort()).toEqual([cancelled.id, prepared.id].sort())
    expect(states.body.transactions.every((t: { state: string }) => ["cancelled", "prepared"].includes(t.state))).toBe(true)

    const byCartFragment = await admin("GET", `/admin/click/transactions?q=${placed.cartId.slice(-10).toLowerCase()}`)
    expect(byCartFragment.body.transactions.map((t: { id: string }) => t.id)).toEqual([placed.id])
    const byPrepareId = await admin("GET", `/admin/click/transactions?q=${cancelled.merchantPrepareId}`)
    expect(ours(byPrepareId.body)).toEqual([cancelled.id])
    const byClickPaymentId = await admin("GET", `/admin/click/transactions?q=${prepared.clickPaydocId}`)
    expect(byClickPaymentId.body.transactions.map((t: { id: string }) => t.id)).toEqual([prepared.id])

    const none = await admin("GET", `/admin/click/transactions?created_at[lte]=${new Date(before.getTime() - 60_000).toISOString()}&q=${placed.cartId}`)
    expect(none.body).toMatchObject({ count: 0, transactions: [] })

    const calm = await admin("GET", "/admin/click/transactions?needs_attention=true&limit=200")
    expect(ours(calm.body)).toEqual([])

    const detail = await admin("GET", `/admin/click/transactions/${cancelled.id}`)
    expect(detail.body.transaction).toMatchObject({ id: cancelled.id, state: "cancelled" })
    expect(detail.body.transaction.callbacks.map((c: { endpoint: string }) => c.endpoint)).toEqual(["prepare", "complete"])

    for (const bad of ["state=paid", "created_at[gte]=yesterday", "limit=0", "needs_attention=maybe"]) {
      expect((await admin("GET", `/admin/click/transactions?${bad}`)).status, bad).toBe(400)
    }
  })

  it("Retry places the order of a payment left confirmed by a fault, once, however often it is pressed", async () => {
    const clear = await faultOrderInserts(backend, { kind: "fail" })
    let payment: Awaited<ReturnType<typeof pay>>
    try {
      payment = await pay()
      await expect
        .poll(async () => (await paymentRow(backend, { clickTransId: payment.clickTransId }))?.last_error, { timeout: 15_000 })
        .toMatch(/injected fault/)
    } finally {
      await clear()
    }
    const stuck = await admin("GET", "/admin/click/transactions?needs_attention=true&limit=200")
    expect(stuck.body.transactions.map((t: { id: string }) => t.id)).toContain(payment.id)
    expect(stuck.body.transactions.find((t: { id: string }) => t.id === payment.id)).toMatchObject({
      state: "confirmed",
      order_id: null,
      last_error: expect.stringMatching(/injected fault/),
    })
    // The job would wait an hour; nothing places it meanwhile.
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(0)

    const [first, second] = await Promise.all([
      admin("POST", `/admin/click/transactions/${payment.id}/retry`),
      admin("POST", `/admin/click/transactions/${payment.id}/retry`),
    ])
    expect(first.status).toBe(200)
    expect(second.status).toBe(200)
    await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"])
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
    const again = await admin("POST", `/admin/click/transactions/${payment.id}/retry`)
    expect(again.body.result).toEqual({ action: "none", reason: "Nothing to retry: the payment is placed." })
    expect(again.body.transaction).toMatchObject({ state: "placed", order_id: expect.stringMatching(/^order_/) })
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
  })

  it("Retry after Click refused a reversal sends it again, and the money goes back once", async () => {
    const payment = await pay({ complete: false })
    // A debit whose cart was deleted after Click took the money: it can only be reversed.
    await backend.db.query("UPDATE cart SET deleted_at = now() WHERE id = $1", [payment.cartId])
    double.injectFault({ endpoint: "payment/reversal", kind: "click_error", error_code: -33, error_note: "Insufficient merchant balance", times: 1 })
    expect((await clickComplete(backend, payment)).body.error).toBe(0)
    // The reversal job runs every 30 s here (its default): the refusal comes within two runs.
    expect(await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["reversal_failed"])).toMatchObject({
      last_error: expect.stringMatching(/Insufficient merchant balance/),
    })
    expect(double.payment(payment.clickPaydocId)!.reversals).toHaveLength(0)

    const retried = await admin("POST", `/admin/click/transactions/${payment.id}/retry`)
    expect(retried.body.result).toEqual({ action: "reverse", outcome: "reversed" })
    expect(retried.body.transaction).toMatchObject({ state: "reversed", refund_reason: "unplaceable" })
    expect(double.payment(payment.clickPaydocId)!.reversals).toHaveLength(1)
    const again = await admin("POST", `/admin/click/transactions/${payment.id}/retry`)
    expect(again.body.result.action).toBe("none")
    expect(double.payment(payment.clickPaydocId)!.reversals).toHaveLength(1)
    expect(retried.body.transaction.events.map((e: { to_state: string; reason: string }) => `${e.to_state}:${e.reason}`)).toEqual(
      expect.arrayContaining(["refund_required:retried_by_admin"])
    )
  })

  it("Reconcile asks Click now: a Prepare whose Complete never came but Click debited becomes its order", async () => {
    const payment = await pay({ complete: false })
    const result = await admin("POST", `/admin/click/transactions/${payment.id}/reconcile`)
    expect(result.status).toBe(200)
    expect(result.body.result).toEqual({ action: "reconcile", outcome: "confirmed" })
    await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"])
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)

    const status = await admin("POST", `/admin/click/transactions/${payment.id}/reconcile`)
    expect(status.body.result).toEqual({ action: "status", click: { payment_status: 2, error_note: expect.anything() } })
    expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
  })
})
