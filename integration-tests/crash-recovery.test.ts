import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { faultInserts, faultOrderInserts, faultUpdates, waitForStatement } from "./harness/faults"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  paymentRow,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The backend process dies (SIGKILL, nothing of it runs afterwards) in the
 * middle of Click's Complete and of order placement. Every debited payment
 * must still end as exactly one order.
 */
describe("crash recovery", () => {
  let backend: Backend
  const env = {
    CLICK_ORDER_RETRY_CRON: "*/2 * * * * *",
    // A dead process's claim on a placement runs out after 4 s here (30 s by default).
    CLICK_PLACEMENT_LEASE_SEC: "4",
    CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
  }
  beforeAll(async () => {
    backend = await startBackend({ env })
  })
  afterAll(async () => {
    await backend?.stop()
  })

  async function preparedCart() {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect(prepared.body.error).toBe(0)
    return { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id as number }
  }

  it("killed at varied points during Completes: after a restart Click's retry is answered within a second and every cart has exactly one order", async () => {
    for (const delayMs of [10, 80, 200, 450]) {
      const carts = [await preparedCart(), await preparedCart(), await preparedCart()]
      // Click's Completes, a few milliseconds apart; the process dies while they run.
      const inFlight = carts.map((cart, i) => sleep(i * 25).then(() => clickComplete(backend, cart).catch(() => null)))
      await sleep(delayMs)
      await backend.kill()
      await Promise.all(inFlight)
      await backend.restart()

      for (const cart of carts) {
        const started = Date.now()
        const retry = await clickComplete(backend, cart)
        expect(Date.now() - started, `retry after a kill at ${delayMs} ms`).toBeLessThan(1000)
        // 0 if the first Complete died before recording the debit, else -4.
        expect([0, -4]).toContain(retry.body.error)
      }
      for (const cart of carts) {
        expect(await waitForOrders(backend, cart.cartId, 60_000), `kill at ${delayMs} ms`).toBe(1)
        expect(await waitForPaymentState(backend, { merchantPrepareId: cart.merchantPrepareId }, ["placed"])).toMatchObject({
          state: "placed",
        })
      }
    }
  })

  it("killed after Click's answer, while the stamp is on its way into Medusa's session: the restart places the order with the stamp kept on the payment", async () => {
    const cart = await preparedCart()
    // Placement's first write is the confirmation stamp into the session: it hangs there.
    const restore = await faultUpdates(backend, "payment_session", { kind: "slow", seconds: 5 })
    try {
      expect((await clickComplete(backend, cart)).body.error).toBe(0)
      await waitForStatement(backend, '%update "payment_session"%')
      await backend.kill()
    } finally {
      await restore()
    }
    const { rows: sessions } = await backend.db.query(
      `SELECT ps.data ? 'click_confirmation' AS stamped, ct.state, ct.confirmation_token IS NOT NULL AS kept
         FROM click_transaction ct JOIN payment_session ps ON ps.id = ct.payment_session_id
        WHERE ct.merchant_prepare_id = $1`,
      [cart.merchantPrepareId]
    )
    expect(sessions).toEqual([{ stamped: false, state: "confirmed", kept: true }])
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)

    await backend.restart()
    expect(await waitForOrders(backend, cart.cartId, 60_000)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: cart.merchantPrepareId }, ["placed", "refund_required"], 30_000)).toMatchObject({
      state: "placed",
      refund_reason: null,
    })
  })

  it("killed while the order is being written: the payment is placed after the restart, past the lock row a dead completion left", async () => {
    const cart = await preparedCart()
    // Order inserts hang, so the process is inside Medusa's completeCartWorkflow when it dies.
    const restore = await faultOrderInserts(backend, { kind: "slow", seconds: 3 })
    try {
      const answer = await clickComplete(backend, cart)
      expect(answer.body.error).toBe(0)
      await sleep(500)
      expect((await paymentRow(backend, { merchantPrepareId: cart.merchantPrepareId }))?.attempts).toBe(1)
      await backend.kill()
    } finally {
      await restore()
    }
    // What Medusa's Postgres locking leaves when a completion dies: an owner-less row on the
    // bare cart id, which its acquire() refuses for ever.
    await backend.db.query(
      `INSERT INTO locking (id, owner_id, expiration) VALUES ($1, NULL, now() + interval '120 seconds')
       ON CONFLICT (id) DO NOTHING`,
      [cart.cartId]
    )
    await sleep(3000)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)
    expect((await paymentRow(backend, { merchantPrepareId: cart.merchantPrepareId }))?.state).toBe("confirmed")

    await backend.restart()
    expect(await waitForOrders(backend, cart.cartId, 60_000)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: cart.merchantPrepareId }, ["placed"])).toMatchObject({
      state: "placed",
    })
    const { rows } = await backend.db.query("SELECT count(*)::int AS n FROM locking WHERE id = $1", [cart.cartId])
    expect(rows[0].n).toBe(0)
    // And the storefront's own completion route works for that cart again.
    const storefront = await completeCartFromStorefront(backend, cart.cartId)
    expect(storefront.status).toBe(200)
    expect(storefront.body.type).toBe("order")
  })

  it("killed after Medusa wrote the order and before it authorized the payment: the restart records that order, paid, and refunds nothing", async () => {
    const cart = await preparedCart()
    // Medusa's completeCartWorkflow authorizes the payment last: its insert hangs, the order is already written.
    const restore = await faultInserts(backend, "payment", { kind: "slow", seconds: 5 })
    try {
      expect((await clickComplete(backend, cart)).body.error).toBe(0)
      expect(await waitForOrders(backend, cart.cartId)).toBe(1)
      await waitForStatement(backend, '%insert into "payment"%')
      await backend.kill()
    } finally {
      await restore()
    }
    expect((await paymentRow(backend, { merchantPrepareId: cart.merchantPrepareId }))?.state).toBe("confirmed")
    expect(await medusaPaymentOf(cart.cartId)).toEqual([])

    await backend.restart()
    const placed = await waitForPaymentState(backend, { merchantPrepareId: cart.merchantPrepareId }, ["placed", "refund_required"], 30_000)
    expect(placed).toMatchObject({ state: "placed", refund_reason: null })
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    // The order is paid in Medusa as an uninterrupted placement leaves it: one captured Click payment, in the order's transactions.
    expect(await medusaPaymentOf(cart.cartId)).toEqual([
      { provider_id: "pp_click_click", captured: true, placed_order: placed!.order_id, order_paid: cart.amount.replace(/\.00$/, "") },
    ])
  })

  /** Medusa's payments of the cart's collection, and what its order's transactions add up to. */
  async function medusaPaymentOf(cartId: string) {
    const { rows } = await backend.db.query(
      `SELECT p.provider_id, p.captured_at IS NOT NULL AS captured, p.data->'click_placed'->>'order_id' AS placed_order,
              (SELECT sum(ot.amount)::text FROM order_transaction ot JOIN order_cart oc ON oc.order_id = ot.order_id
                WHERE oc.cart_id = $1 AND ot.deleted_at IS NULL) AS order_paid
         FROM cart_payment_collection cpc JOIN payment p ON p.payment_collection_id = cpc.payment_collection_id
        WHERE cpc.cart_id = $1 AND p.deleted_at IS NULL`,
      [cartId]
    )
    return rows
  }
})
