import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { faultOrderInserts } from "./harness/faults"
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

  it("two processes running the recovery job place each stuck payment's order exactly once", async () => {
    const carts = []
    for (let i = 0; i < 8; i++) carts.push(await preparedCart())
    const restore = await faultOrderInserts(backend, { kind: "fail" })
    const sibling = await (async () => {
      try {
        const answers = await Promise.all(carts.map((cart) => clickComplete(backend, cart)))
        expect(answers.map((a) => a.body.error)).toEqual(Array(8).fill(0))
        // Both processes' jobs retry these payments while orders still fail.
        return await backend.startSibling({ env })
      } finally {
        await restore()
      }
    })()
    try {
      for (const cart of carts) {
        expect(await waitForOrders(backend, cart.cartId, 30_000)).toBe(1)
      }
      await sleep(4000)
      for (const cart of carts) {
        expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
      }
      const { rows } = await backend.db.query(
        `SELECT e.to_state, count(*)::int AS n FROM click_payment_event e
           JOIN click_transaction t ON t.id = e.transaction_id
          WHERE t.merchant_prepare_id = ANY($1) GROUP BY 1 ORDER BY 1`,
        [carts.map((c) => c.merchantPrepareId)]
      )
      expect(rows).toEqual([
        { to_state: "confirmed", n: 8 },
        { to_state: "placed", n: 8 },
        { to_state: "prepared", n: 8 },
      ])
    } finally {
      await sibling.stop()
    }
  })
})
