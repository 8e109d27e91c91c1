import { spawn, type ChildProcess } from "node:child_process"
import { existsSync } from "node:fs"
import net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../scripts/lib/postgres.mjs"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { clickPays, startClickDouble, type ClickPayment } from "./harness/click-double"
import { faultInserts, faultOrderInserts, fastJobsEnv, waitForStatement } from "./harness/faults"
import { countOrdersForCart, createPayableCart, debitsWithoutOutcome, paymentRow, waitForPaymentState } from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe("faults: the database connection dies", () => {
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

})

/**
 * Redis restarted under Redis locking: a redis-server of the test's own on a
 * free port (never the machine's shared one), killed and started again while
 * Completes arrive.
 */
const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync)
describe.runIf(redisServer)("faults: Redis restarts under Redis locking", () => {
  let double: MerchantApiDouble
  let backend: Backend
  let redis: ChildProcess
  let port: number
  const startRedis = async () => {
    redis = spawn(redisServer!, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" })
    for (let i = 0; i < 100; i++) {
      if (await answers(port)) return
      await sleep(50)
    }
  }
  const stopRedis = async () => {
    const exited = new Promise((resolve) => redis.once("exit", resolve))
    redis.kill("SIGKILL")
    await exited
  }
  beforeAll(async () => {
    port = await freePort()
    await startRedis()
    double = await startClickDouble()
    backend = await startBackend({ env: { REDIS_URL: `redis://127.0.0.1:${port}`, CLICK_MERCHANT_API_URL: double.url, ...fastJobsEnv } })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
    redis?.kill("SIGKILL")
  })

  it("payments completed while Redis is down and coming back each end in exactly one order", async () => {
    const carts = []
    for (let i = 0; i < 6; i++) carts.push(await createPayableCart(backend))
    const payments = await Promise.all(carts.map((cart) => clickPays(backend, double, cart, { complete: false })))
    await stopRedis()
    const whileDown = await Promise.all(payments.slice(0, 3).map((payment) => clickComplete(backend, payment)))
    await sleep(1500)
    await startRedis()
    const afterwards = await Promise.all(payments.slice(3).map((payment) => clickComplete(backend, payment)))
    // The Complete takes no Redis lock: Click hears 0 either way, and placement waits for Redis.
    expect([...whileDown, ...afterwards].map((a) => a.body.error)).toEqual(Array(6).fill(0))
    for (const payment of payments) {
      expect(await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"], 45_000), payment.cartId).toMatchObject({
        state: "placed",
      })
      expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
    }
    expect(await debitsWithoutOutcome(backend, carts.map((c) => c.cartId))).toEqual([])
  })
})

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })
}
