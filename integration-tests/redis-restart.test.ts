import { spawn, type ChildProcess } from "node:child_process"
import { existsSync } from "node:fs"
import net from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { freePort } from "../scripts/lib/postgres.mjs"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete } from "./harness/click"
import { clickPays, startClickDouble } from "./harness/click-double"
import { fastJobsEnv } from "./harness/faults"
import { countOrdersForCart, createPayableCart, debitsWithoutOutcome, waitForPaymentState } from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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
