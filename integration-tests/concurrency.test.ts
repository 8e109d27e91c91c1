import Redis from "ioredis"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  storeClient,
} from "./harness/storefront"

describe("one order per paid cart, whatever races", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await startBackend()
  })
  afterAll(async () => {
    await backend?.stop()
  })

  const allOrderRows = async () =>
    (await backend.db.query(`SELECT count(*)::int AS n FROM "order"`)).rows[0].n as number

  async function preparedCart() {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect(prepared.body.error).toBe(0)
    return {
      ...cart,
      complete: { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id },
    }
  }

  it("20 identical Completes and 5 storefront completions in parallel give one order, one 0 and nineteen -4", async () => {
    const cart = await preparedCart()
    const [completes, storefront] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => clickComplete(backend, cart.complete))),
      Promise.all(Array.from({ length: 5 }, () => completeCartFromStorefront(backend, cart.cartId))),
    ])
    expect(completes.every((r) => r.status === 200)).toBe(true)
    const errors = completes.map((r) => r.body.error).sort()
    expect(errors.filter((e) => e === 0)).toHaveLength(1)
    expect(errors.filter((e) => e === -4)).toHaveLength(19)
    for (const response of storefront) {
      expect(response.status).toBeLessThan(500)
    }
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)

    const { rows } = await backend.db.query(
      "SELECT order_id FROM click_transaction WHERE merchant_trans_id = $1 AND state = 'confirmed'",
      [cart.cartId]
    )
    expect(rows).toHaveLength(1)
    // A storefront completion after Click's Complete gets that same single order.
    const late = await completeCartFromStorefront(backend, cart.cartId)
    expect(late.status).toBe(200)
    expect(late.body).toMatchObject({ type: "order", order: { id: rows[0].order_id } })
  })

  it("a storefront completion before Click's Complete creates no order at all, and Click's Complete still places it", async () => {
    const cart = await preparedCart()
    const rowsBefore = await allOrderRows()
    const early = await completeCartFromStorefront(backend, cart.cartId)
    expect(early.status).toBe(400)
    expect(early.body.message).toMatch(/paid with Click/)
    // Not even an order created and rolled back (soft-deleted rows count too).
    expect(await allOrderRows()).toBe(rowsBefore)

    const completed = await clickComplete(backend, cart.complete)
    expect(completed.body.error).toBe(0)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
  })

  it("a storefront cannot authorize a Click session by writing a confirmation into its data", async () => {
    const cart = await createPayableCart(backend)
    const rowsBefore = await allOrderRows()
    // The browser's session data is replaced by the server's.
    const store = storeClient(backend)
    const { cart: full } = await store.get(`/store/carts/${cart.cartId}?fields=*payment_collection`)
    const forged = await store.post(
      `/store/payment-collections/${full.payment_collection.id}/payment-sessions`,
      {
        provider_id: "pp_click_click",
        data: { cart_id: "cart_someone_else", click_confirmation: { click_trans_id: "1", token: "0".repeat(64) } },
      }
    )
    const session = forged.payment_collection.payment_sessions.find(
      (s: { provider_id: string }) => s.provider_id === "pp_click_click"
    )
    expect(session.data.cart_id).toBe(cart.cartId)
    expect(session.data.click_confirmation).toBeUndefined()
    const early = await completeCartFromStorefront(backend, cart.cartId)
    expect(early.status).toBe(400)
    expect(await allOrderRows()).toBe(rowsBefore)
  })

  it("10 identical Prepares in parallel record one attempt and all get the same merchant_prepare_id", async () => {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId }))
    )
    expect(new Set(answers.map((a) => a.body.error))).toEqual(new Set([0]))
    expect(new Set(answers.map((a) => a.body.merchant_prepare_id)).size).toBe(1)
    const { rows } = await backend.db.query("SELECT count(*)::int AS n FROM click_transaction WHERE click_trans_id = $1", [clickTransId])
    expect(rows[0].n).toBe(1)
  })

  it("two backend processes on one database still place one order for parallel Completes", async () => {
    const sibling = await backend.startSibling()
    const cart = await preparedCart()
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => clickComplete(i % 2 ? sibling : backend, cart.complete))
    )
    expect(answers.every((a) => a.status === 200)).toBe(true)
    expect(answers.filter((a) => a.body.error === 0)).toHaveLength(1)
    expect(answers.filter((a) => a.body.error === -4)).toHaveLength(15)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
  })

  it("answers 0 when Click has the money but the order cannot be placed, and records why", async () => {
    const cart = await preparedCart()
    // The shopper changes the cart in another tab after Click's Prepare: Medusa
    // replaces the payment session, so the paid amount no longer matches.
    const store = storeClient(backend)
    const { products } = await store.get("/store/products?handle=click-demo-tshirt")
    await store.post(`/store/carts/${cart.cartId}/line-items`, { variant_id: products[0].variants[0].id, quantity: 1 })

    const completed = await clickComplete(backend, cart.complete)
    expect(completed.body).toMatchObject({ error: 0, merchant_confirm_id: cart.complete.merchantPrepareId })
    const { rows } = await backend.db.query(
      "SELECT state, order_id, last_error FROM click_transaction WHERE click_trans_id = $1",
      [cart.complete.clickTransId]
    )
    expect(rows[0]).toMatchObject({ state: "confirmed", order_id: null })
    expect(rows[0].last_error).toBeTruthy()
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)
    const status = await backend.http
      .get(`/store/click/carts/${cart.cartId}`)
      .set("x-publishable-api-key", backend.publishableKey)
    expect(status.body).toEqual({ cart_id: cart.cartId, status: "processing", order_id: null })
  })

  it("places one order for the first paid attempt of two and flags the second debit for reversal", async () => {
    const cart = await createPayableCart(backend)
    const attempts = [newClickTransId(), newClickTransId()]
    const prepared = []
    for (const clickTransId of attempts) {
      const answer = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
      expect(answer.body.error).toBe(0)
      prepared.push({ cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: answer.body.merchant_prepare_id })
    }
    expect((await clickComplete(backend, prepared[0])).body.error).toBe(0)
    expect((await clickComplete(backend, prepared[1])).body.error).toBe(-4)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    const { rows } = await backend.db.query(
      "SELECT click_trans_id, state, last_error FROM click_transaction WHERE merchant_trans_id = $1 ORDER BY merchant_prepare_id",
      [cart.cartId]
    )
    expect(rows.map((r) => r.state)).toEqual(["confirmed", "prepared"])
    expect(rows[1].last_error).toMatch(/reverse this payment/)
  })
})

// Redis is not needed by default; set TEST_REDIS_URL (as .ci/run does when a Redis answers) to
// also prove the REDIS_URL locking path across two processes.
describe.runIf(process.env.TEST_REDIS_URL)("with Redis locking (REDIS_URL)", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await startBackend({ env: { REDIS_URL: process.env.TEST_REDIS_URL } })
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("two backend processes still place one order for parallel Completes", async () => {
    const sibling = await backend.startSibling()
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    const complete = { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id }
    const redis = new Redis(process.env.TEST_REDIS_URL!)
    const commandsBefore = await redisCommandCount(redis)
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => clickComplete(i % 2 ? sibling : backend, complete))
    )
    const commandsDuring = (await redisCommandCount(redis)) - commandsBefore
    await redis.quit()
    expect(answers.filter((a) => a.body.error === 0)).toHaveLength(1)
    expect(answers.filter((a) => a.body.error === -4)).toHaveLength(15)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    // The locks really went through Redis: every Complete took the cart lock there.
    expect(commandsDuring).toBeGreaterThanOrEqual(16)
  })
})

async function redisCommandCount(redis: Redis): Promise<number> {
  const stats = await redis.info("stats")
  return Number(/total_commands_processed:(\d+)/.exec(stats)![1])
}
