import { readFileSync } from "node:fs"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { adminToken } from "../scripts/lib/admin.mjs"
import { projectDir, spawnMedusa } from "../scripts/lib/medusa.mjs"
import { freePort } from "../scripts/lib/postgres.mjs"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, preparedCart } from "./harness/click"
import { clickPays, startClickDouble } from "./harness/click-double"
import { faultInserts, waitForStatement } from "./harness/faults"
import { claimRedisDb, describeOnRunRedis, type RedisDb } from "./harness/redis-db"
import { testEnv } from "./harness/test-env"
import {
  countOrdersForCart,
  createPayableCart,
  debitsWithoutOutcome,
  poll,
  uniqueEmail,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

/**
 * The README's "Deploying to production" block, as a merchant copies it: the
 * plugin's package names stand for this repository's source folders.
 */
function readmeDeploymentConfig(): string[] {
  const readme = readFileSync(path.join(projectDir, "README.md"), "utf8")
  const section = readme.split("\n## Deploying to production\n")[1]
  const block = /```ts\n([\s\S]*?)\n```/.exec(section ?? "")?.[1]
  if (!block) throw new Error('README.md has no ```ts block under "## Deploying to production"')
  return block.split("\n")
}
const asThisRepository: Record<string, string> = {
  'plugins: [{ resolve: "medusa-payment-click", options: {} }],': '{ resolve: "./src/modules/click" },',
  'resolve: "medusa-payment-click/providers/click",': 'resolve: "./src/providers/click",',
}
const codeLines = (lines: string[]) => lines.map((line) => line.trim()).filter((line) => line && !line.startsWith("//"))
const isSplitLine = (line: string) => /REDIS_URL|MEDUSA_WORKER_MODE|-redis"/.test(line)

/**
 * Medusa's production layout (README "Deploying to production"): this app as
 * a `server` instance (HTTP) and a `worker` instance (jobs, subscribers) on
 * one database, with Redis's event bus, workflow engine and locks. The two
 * processes are shared by the tests, which run in order: the server is killed
 * and restarted in the middle.
 */
/** `medusa start`'s output, once it exits, or once 90 s have passed (then it is killed: it did not refuse). */
async function bootOutput(env: Record<string, string | undefined>): Promise<{ exited: boolean; output: string }> {
  const child = spawnMedusa(["start"], { ...env, PORT: String(await freePort()) }, ["ignore", "pipe", "pipe"])
  let output = ""
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk))
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk))
  const exited = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 90_000)
    child.once("exit", () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
  if (!exited) child.kill("SIGKILL")
  return { exited, output }
}

describeOnRunRedis("a server instance and a worker instance on one database and Redis", (redisUrl) => {
  let redis: RedisDb
  let double: MerchantApiDouble
  let server: Backend
  let worker: { url: string; logFile: string; stop(): Promise<void> }
  const paidCarts: string[] = []
  /** What `medusa start` printed as a worker instance left on Medusa's in-memory modules (no REDIS_URL). */
  let inMemoryWorkerBoot: Promise<{ exited: boolean; output: string }>

  beforeAll(async () => {
    redis = await claimRedisDb(redisUrl)
    double = await startClickDouble()
    server = await startBackend({
      env: {
        REDIS_URL: redis.url,
        MEDUSA_WORKER_MODE: "server",
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_ORDER_RETRY_CRON: "* * * * * *",
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_RECONCILE_CRON: "* * * * * *",
        // The admin-refund test proves the worker's subscriber gets payment.refunded over Redis:
        // the job that catches lost events (every minute at :00) must not get there first.
        CLICK_REFUND_FOLLOW_CRON: "0 0 0 1 1 *",
        // A Prepare whose Complete has not come after 4 s is asked at Click: the Completes
        // here follow their Prepares at once.
        CLICK_RECONCILE_AFTER_SEC: "4",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
        // A dead server's claim on a placement runs out after 3 s (30 s by default).
        CLICK_PLACEMENT_LEASE_SEC: "3",
      },
    })
    inMemoryWorkerBoot = bootOutput(testEnv({ DATABASE_URL: server.databaseUrl, MEDUSA_WORKER_MODE: "worker" }))
    worker = await server.startSibling({ env: { MEDUSA_WORKER_MODE: "worker" } })
  })
  afterAll(async () => {
    await server?.stop()
    await double?.stop()
    await redis?.release()
  })

  const isWorkerRunning = "is a worker instance running Click's jobs (MEDUSA_WORKER_MODE=worker)?"

  it("runs the README's medusa-config block: its lines are the app's, and Medusa's event bus and workflow engine work in Redis", async () => {
    const readme = codeLines(readmeDeploymentConfig()).map((line) => asThisRepository[line] ?? line)
    const app = codeLines(readFileSync(path.join(projectDir, "medusa-config.ts"), "utf8").split("\n"))
    expect(readme.filter((line) => !app.includes(line)), "README lines missing from medusa-config.ts").toEqual([])
    expect(app.filter(isSplitLine).filter((line) => !readme.includes(line)), "medusa-config.ts lines missing from the README").toEqual([])
    expect(readme.filter(isSplitLine).join("\n")).toMatch(/event-bus-redis[\s\S]*workflow-engine-redis/)

    const keys = await redis.client.keys("*")
    expect(keys.some((key) => key.startsWith("RedisEventBusService:")), `no event bus queue in Redis: ${keys.join(" ")}`).toBe(true)
    // Medusa's Redis workflow engine schedules the jobs the worker registered as repeatable jobs in Redis.
    const scheduled = ["click-place-confirmed-orders", "click-reverse-payments", "click-reconcile-payments", "click-submit-fiscal-receipts"]
    expect(
      scheduled.filter((job) => !keys.includes(`bull:medusa-workflows-jobs:repeat:schedule_job-${job}`)),
      `Click's jobs not scheduled in Redis: ${isWorkerRunning}`
    ).toEqual([])
    // The worker serves no HTTP routes: Click's callbacks can reach only the servers.
    expect((await fetch(`${worker.url}/hooks/click/prepare`, { method: "POST" })).status).toBe(404)
  })

  it("a worker instance on Medusa's in-memory event bus and workflow engine refuses to start, naming the Redis modules to add", async () => {
    const { exited, output } = await inMemoryWorkerBoot
    expect(exited, "a worker instance on Medusa's in-memory modules started: nothing refused it at boot").toBe(true)
    expect(output).toMatch(/This is a worker instance .* on Medusa's in-memory event bus: .*"@medusajs\/medusa\/event-bus-redis"/)
    expect(output).toMatch(/in-memory workflow engine: .*"@medusajs\/medusa\/workflow-engine-redis"/)
    // Without REDIS_URL the app's locks are Postgres advisory locks: shared, not refused.
    expect(output).not.toMatch(/in-memory locks/)
  })

  it("a cart paid at the server has one order", async () => {
    const cart = await createPayableCart(server)
    const payment = await clickPays(server, double, cart)
    expect(payment.answer?.error).toBe(0)
    paidCarts.push(cart.cartId)
    expect(await waitForOrders(server, cart.cartId)).toBe(1)
  })

  it("the server killed right after answering Complete: the worker alone places the order; Click's retry after the restart gets 0 or -4", async () => {
    const email = uniqueEmail()
    const cart = await preparedCart(server, { email })
    paidCarts.push(cart.cartId)
    // The server's own placement is held at its order insert, and dies there.
    const restore = await faultInserts(server, "order", { kind: "hold", only: { column: "email", equals: email } })
    try {
      expect((await clickComplete(server, cart)).body.error).toBe(0)
      await waitForStatement(server, '%insert into "order"%', { hungMs: 200 })
      await server.kill()
    } finally {
      await restore()
    }
    expect(await fetch(`${server.url}/health`).catch(() => null)).toBeNull()

    expect(await waitForOrders(server, cart.cartId), `no order placed while the server was down: ${isWorkerRunning}`).toBe(1)
    expect(await fetch(`${server.url}/health`).catch(() => null), "the server stayed down").toBeNull()

    await server.restart()
    const retry = await clickComplete(server, cart)
    expect([0, -4]).toContain(retry.body.error)
    expect(await countOrdersForCart(server, cart.cartId)).toBe(1)
  })

  it("an admin refund at the server is one reversal at Click, and the worker's subscriber ends the payment reversed", async () => {
    const cart = await createPayableCart(server)
    const payment = await clickPays(server, double, cart)
    paidCarts.push(cart.cartId)
    const placed = await waitForPaymentState(server, { merchantPrepareId: payment.merchantPrepareId }, ["placed"])
    expect(placed?.state).toBe("placed")
    const { rows } = await server.db.query(
      "SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.merchant_prepare_id = $1",
      [payment.merchantPrepareId]
    )
    const token = await adminToken(server.url)
    const refund = await fetch(`${server.url}/admin/payments/${rows[0].id}/refund`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ amount: Number(payment.amount) }),
    })
    expect(refund.status, await refund.clone().text()).toBe(200)
    expect(double.payment(payment.clickPaydocId)!.reversals).toHaveLength(1)

    const reversed = await waitForPaymentState(server, { merchantPrepareId: payment.merchantPrepareId }, ["reversed"])
    expect(reversed, "the admin refund's payment.refunded event was not handled: is a worker instance on the Redis event bus?").toMatchObject({
      state: "reversed",
      refund_reason: "refunded_by_admin",
    })
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(1)
    // The reversal's log line names the subscriber that made it; it is written just after the state.
    const handledBy = (log: string) =>
      log.split("\n").some((line) => line.includes('"subscriber":"click-payment-refunded"') && line.includes(cart.cartId))
    expect(await poll(async () => handledBy(readFileSync(worker.logFile, "utf8")), Boolean, 10_000)).toBe(true)
    expect(handledBy(server.readLog())).toBe(false)
  })

  it("a Prepare without Complete that Click reports paid becomes an order through the worker's reconciliation", async () => {
    const cart = await createPayableCart(server)
    const payment = await clickPays(server, double, cart, { complete: false })
    paidCarts.push(cart.cartId)
    expect(await waitForOrders(server, cart.cartId), `the Prepare was not reconciled: ${isWorkerRunning}`).toBe(1)
    expect((await waitForPaymentState(server, { merchantPrepareId: payment.merchantPrepareId }, ["placed"]))?.state).toBe("placed")
  })

  it("no cart has two orders, and every debit has its outcome", async () => {
    const { rows } = await server.db.query(
      `SELECT oc.cart_id, count(*)::int AS orders FROM order_cart oc JOIN "order" o ON o.id = oc.order_id
        WHERE oc.deleted_at IS NULL AND o.deleted_at IS NULL GROUP BY oc.cart_id HAVING count(*) > 1`
    )
    expect(rows).toEqual([])
    expect(paidCarts).toHaveLength(4)
    expect(await poll(() => debitsWithoutOutcome(server, paidCarts), (left) => left.length === 0)).toEqual([])
  })
})
