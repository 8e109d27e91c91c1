import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { clickPays, startClickDouble, type ClickPayment } from "./harness/click-double"
import { faultInserts, faultOrderInserts, fastJobsEnv, waitForStatement } from "./harness/faults"
import { countOrdersForCart, createPayableCart, debitsWithoutOutcome, paymentRow, waitForPaymentState } from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("faults: the database connection dies, Click storms", () => {
  let double: MerchantApiDouble
  let backend: Backend
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({ env: { CLICK_MERCHANT_API_URL: double.url, ...fastJobsEnv } })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  it("the connection serving a Prepare is terminated: Click gets an error, nothing is recorded, and Click's next attempt pays into one order", async () => {
    const cart = await createPayableCart(backend)
    const restore = await faultInserts(backend, "click_transaction", { kind: "slow", seconds: 5 })
    const clickTransId = newClickTransId()
    try {
      const [prepared] = await Promise.all([
        clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId }),
        waitForStatement(backend, '%insert into click_transaction %', { terminate: true }),
      ])
      expect(prepared.status).toBe(200)
      expect(prepared.body).toMatchObject({ error: -7, error_note: expect.any(String) })
    } finally {
      await restore()
    }
    expect(await paymentRow(backend, { clickTransId })).toBeUndefined()
    // Click cancels the refused attempt; the Complete names no prepared transaction.
    const cancelled = await clickComplete(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: 1, error: "-5017" })
    expect([-6, -9]).toContain(cancelled.body.error)
    // The shopper pays again: a new attempt, over a pool that replaced its dead connection.
    const paid = await clickPays(backend, double, cart)
    expect(paid.answer?.error).toBe(0)
    expect(await waitForPaymentState(backend, { clickTransId: paid.clickTransId }, ["placed"])).toMatchObject({ state: "placed" })
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
  })

  it("the connection placing the order is terminated after Click was answered 0: the job places exactly one order", async () => {
    const cart = await createPayableCart(backend)
    const restore = await faultOrderInserts(backend, { kind: "slow", seconds: 5 })
    let paid: ClickPayment
    try {
      ;[paid] = await Promise.all([clickPays(backend, double, cart), waitForStatement(backend, '%insert into "order"%', { terminate: true })])
    } finally {
      await restore()
    }
    expect(paid.answer?.error).toBe(0)
    const row = await waitForPaymentState(backend, { clickTransId: paid.clickTransId }, ["placed", "refund_required", "reversed"], 30_000)
    expect(row).toMatchObject({ state: "placed" })
    // The first placement died with its connection, and a later one placed the order.
    const failures = backend.readLog().split("\n").filter((line) => line.includes("order placement failed"))
    expect(failures.some((line) => /terminat/i.test(line)), failures.join("\n")).toBe(true)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect(await debitsWithoutOutcome(backend, [cart.cartId])).toEqual([])
  })

  it("a stuck placement delays no other cart's answer: five more Completes are answered within a second while it hangs", async () => {
    const stuckCart = await createPayableCart(backend)
    const others = []
    for (let i = 0; i < 5; i++) others.push(await createPayableCart(backend))
    const stuck = await clickPays(backend, double, stuckCart, { complete: false })
    const waiting = await Promise.all(others.map((cart) => clickPays(backend, double, cart, { complete: false })))
    // Every order insert now hangs for 8 s: the first placement is stuck inside Medusa's workflow.
    const restore = await faultOrderInserts(backend, { kind: "slow", seconds: 8 })
    try {
      expect((await clickComplete(backend, stuck)).body.error).toBe(0)
      await waitForStatement(backend, '%insert into "order"%')
      const answers = await Promise.all(
        waiting.map(async (payment) => {
          const sent = performance.now()
          const answer = await clickComplete(backend, payment)
          return { error: answer.body.error, ms: performance.now() - sent }
        })
      )
      expect(answers.map((a) => a.error)).toEqual(Array(5).fill(0))
      expect(Math.max(...answers.map((a) => a.ms))).toBeLessThan(1000)
    } finally {
      await restore()
    }
    for (const payment of [stuck, ...waiting]) {
      expect(await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"], 45_000)).toMatchObject({ state: "placed" })
      expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
    }
  })

  it("a retry storm (the same Complete 200 times over 10 s) changes nothing after the first and is answered fast throughout", async () => {
    const cart = await createPayableCart(backend)
    const payment = await clickPays(backend, double, cart, { complete: false })
    const started = Date.now()
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        await sleep(i * 50 - (Date.now() - started))
        const sent = performance.now()
        const answer = await clickComplete(backend, payment)
        return { error: answer.body.error, ms: performance.now() - sent }
      })
    )
    expect(answers[0].error).toBe(0)
    expect(answers.slice(1).map((a) => a.error)).toEqual(Array(199).fill(-4))
    const slowest = Math.max(...answers.map((a) => a.ms))
    expect(slowest, `slowest answer ${slowest.toFixed(0)} ms`).toBeLessThan(1000)
    await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"])
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    const { rows } = await backend.db.query(
      `SELECT e.to_state FROM click_payment_event e JOIN click_transaction t ON t.id = e.transaction_id
        WHERE t.click_trans_id = $1 ORDER BY e.created_at`,
      [payment.clickTransId]
    )
    expect(rows.map((r) => r.to_state)).toEqual(["prepared", "confirmed", "placed"])
  })
})
