import Redis from "ioredis"
import supertest from "supertest"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MerchantApiDouble } from "../../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./backend"
import { clickComplete, clickPrepare, newClickTransId } from "./click"
import { clickPays, startClickDouble } from "./click-double"
import { faultOrderInserts } from "./faults"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  LIMITED_PRINT,
  paymentRow,
  poll,
  setLimitedPrintStock,
  waitForPaymentState,
} from "./storefront"

const CARTS = 12

/**
 * Long enough that no Prepare of the many-carts test, however busy the machine, is
 * reconciled (Click's ledger holds its debit as soon as the Complete is on its
 * way) before its Complete.
 */
const RECONCILE_AFTER_SEC = 30

/**
 * `count` carts made `concurrency` at a time (the storefront's own work, not
 * under test). The first alone: Medusa creates the guest customer with the
 * first cart, and parallel first carts race on it.
 */
async function manyCarts<T>(count: number, make: (i: number) => Promise<T>, concurrency = 4): Promise<T[]> {
  const made: T[] = [await make(0)]
  for (let i = 1; i < count; i += concurrency) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(concurrency, count - i) }, (_, j) => make(i + j)))))
  }
  return made
}

/** Waits until `read` is true or the time is up. */
async function eventually(read: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!(await read()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250))
}

/**
 * Merchants run several backend processes behind a load balancer. Two real
 * Medusa processes share one database here: Click's duplicate Completes and
 * storefront completions for the same carts reach both at once, and both run
 * the retry, reversal and reconciliation jobs. One file per kind of locking, so
 * that the two run side by side (several-processes*.test.ts).
 */
export function describeTwoProcesses(locking: string, lockingEnv: Record<string, string>) {
  describe(`two backend processes on one database, locking with ${locking}`, () => {
    let double: MerchantApiDouble
    let backend: Backend
    let sibling: { url: string; stop(): Promise<void> }
    beforeAll(async () => {
      double = await startClickDouble()
      const env = {
        ...lockingEnv,
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_ORDER_RETRY_CRON: "* * * * * *",
        CLICK_REVERSAL_CRON: "* * * * * *",
        CLICK_RECONCILE_CRON: "* * * * * *",
        CLICK_RECONCILE_AFTER_SEC: String(RECONCILE_AFTER_SEC),
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
      }
      backend = await startBackend({ env })
      sibling = await backend.startSibling()
    })
    afterAll(async () => {
      await backend?.stop()
      await double?.stop()
    })

    const processes = () => [backend, { ...backend, url: sibling.url, http: supertest(sibling.url) }]

    /** How many times each attempt entered `state`, from the audit of every state change. */
    async function entries(state: string, clickTransIds: string[]) {
      const { rows } = await backend.db.query(
        `SELECT t.click_trans_id, count(e.id)::int AS n FROM click_transaction t
           LEFT JOIN click_payment_event e ON e.transaction_id = t.id AND e.to_state = $1
          WHERE t.click_trans_id = ANY($2) GROUP BY t.click_trans_id`,
        [state, clickTransIds]
      )
      return Object.fromEntries(rows.map((r) => [r.click_trans_id as string, r.n as number]))
    }
    const once = (ids: string[]) => Object.fromEntries(ids.map((id) => [id, 1]))

    it(`${CARTS} carts, each with 4 Completes and 2 storefront completions sent to both processes at once: one order and one 0 per cart`, async () => {
      const payable = await manyCarts(CARTS, () => createPayableCart(backend))
      // Prepared together just before the Completes, as Click does within seconds (the
      // reconciliation job would ask Click about a Prepare left alone for CLICK_RECONCILE_AFTER_SEC).
      const carts = await Promise.all(
        payable.map(async (cart) => {
          const clickTransId = newClickTransId()
          const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
          expect(prepared.body.error).toBe(0)
          return { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id }
        })
      )
      const redisLocks = lockingEnv.REDIS_URL ? await watchRedisLockKeys(lockingEnv.REDIS_URL) : null

      const perCart = await Promise.all(
        carts.map(async (cart) => {
          const [completes, storefront] = await Promise.all([
            Promise.all(processes().flatMap((p) => Array.from({ length: 4 }, () => clickComplete(p, cart)))),
            Promise.all(processes().flatMap((p) => Array.from({ length: 2 }, () => completeCartFromStorefront(p, cart.cartId)))),
          ])
          return { cart, completes, storefront }
        })
      )
      for (const { cart, completes, storefront } of perCart) {
        expect(completes.map((r) => r.status)).toEqual(Array(8).fill(200))
        expect(completes.map((r) => r.body.error).sort(), cart.cartId).toEqual([-4, -4, -4, -4, -4, -4, -4, 0])
        for (const response of storefront) expect(response.status, JSON.stringify(response.body)).toBeLessThan(500)
      }
      const ids = carts.map((c) => c.clickTransId)
      await eventually(async () => Object.values(await entries("placed", ids)).every((n) => n > 0), 60_000)
      for (const cart of carts) expect(await countOrdersForCart(backend, cart.cartId), cart.cartId).toBe(1)
      expect(await entries("confirmed", ids)).toEqual(once(ids))
      expect(await entries("placed", ids)).toEqual(once(ids))

      // A storefront completing afterwards, at either process, gets that one order.
      const late = await Promise.all(processes().map((p) => completeCartFromStorefront(p, carts[0].cartId)))
      expect(late.map((r) => r.status)).toEqual([200, 200])
      expect(new Set(late.map((r) => r.body.order.id)).size).toBe(1)
      if (redisLocks) {
        // Every completion that reached Medusa's route (answered with the order) took its cart's lock in Redis.
        const reachedMedusa = [
          ...perCart.filter(({ storefront }) => storefront.some((r) => r.status === 200)).map(({ cart }) => cart.cartId),
          carts[0].cartId,
        ]
        const locked = await redisLocks.stop()
        expect(reachedMedusa.filter((cartId) => !locked.has(cartId))).toEqual([])
      }
    })

    it("the placement, reversal and reconciliation jobs run in both processes and do each payment's work once", async () => {
      // The storefront's carts first: the orders' outage below lasts only as long as the test needs it.
      const retried = await manyCarts(4, () => createPayableCart(backend))
      // Reconciliation: Click debited, but its Complete never arrived.
      const unconfirmed = await manyCarts(4, () => createPayableCart(backend))
      const reconciledPayments = await Promise.all(unconfirmed.map((cart) => clickPays(backend, double, cart, { complete: false })))
      // Reversal: 6 carts pay for the last 3 units of the limited print.
      await setLimitedPrintStock(backend, 3)
      const contested = await manyCarts(6, () => createPayableCart(backend, { handle: LIMITED_PRINT }))
      const contestedPayments = await Promise.all(contested.map((cart) => clickPays(backend, double, cart, { complete: false })))
      // Placement retried by the jobs: orders cannot be written while both processes' Completes are answered,
      // and each placement has failed at least once before they can.
      const restoreOrders = await faultOrderInserts(backend, { kind: "fail" })
      const retriedPayments = await Promise.all(
        retried.map((cart, i) => clickPays(processes()[i % 2] as Backend, double, cart))
      )
      for (const payment of retriedPayments) expect(payment.answer?.error).toBe(0)
      for (const payment of retriedPayments) {
        const failed = await poll(() => paymentRow(backend, { clickTransId: payment.clickTransId }), (row) => /injected fault/.test(row?.last_error ?? ""))
        expect(failed, payment.cartId).toMatchObject({ state: "confirmed", order_id: null, last_error: expect.stringMatching(/injected fault/) })
      }
      await restoreOrders()
      // The unconfirmed Prepares' Completes have not come for RECONCILE_AFTER_SEC: they are made that old, not waited for.
      await backend.db.query(
        `UPDATE click_transaction SET created_at = created_at - make_interval(secs => $2) WHERE click_trans_id = ANY($1)`,
        [reconciledPayments.map((payment) => payment.clickTransId), RECONCILE_AFTER_SEC]
      )
      const contestedAnswers = await Promise.all(contestedPayments.map((payment, i) => clickComplete(processes()[i % 2], payment)))
      expect(contestedAnswers.map((a) => a.body.error)).toEqual(Array(6).fill(0))

      const all = [...retriedPayments, ...reconciledPayments, ...contestedPayments]
      const settled = ["placed", "reversed", "reversal_failed"]
      for (const payment of all) {
        const row = await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, settled, 60_000)
        expect(row?.state, payment.cartId).not.toBe("reversal_failed")
      }
      const placed = [...retriedPayments, ...reconciledPayments].map((p) => p.clickTransId)
      expect(await entries("placed", placed)).toEqual(once(placed))
      expect(await entries("confirmed", placed)).toEqual(once(placed))
      for (const payment of [...retriedPayments, ...reconciledPayments]) {
        expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
      }

      const outcomes = await Promise.all(
        contestedPayments.map(async (payment) => ({
          orders: await countOrdersForCart(backend, payment.cartId),
          reversalCalls: double.reversalCalls(payment.clickPaydocId),
          reversals: double.payment(payment.clickPaydocId)!.reversals.length,
        }))
      )
      expect(outcomes.filter((o) => o.orders === 1 && o.reversalCalls === 0)).toHaveLength(3)
      expect(outcomes.filter((o) => o.orders === 0 && o.reversalCalls === 1 && o.reversals === 1)).toHaveLength(3)
      const reversedIds = contestedPayments.filter((_, i) => outcomes[i].orders === 0).map((p) => p.clickTransId)
      expect(await entries("reversed", reversedIds)).toEqual(once(reversedIds))
    })
  })
}

/**
 * The keys locked in Redis while watching (Redis's MONITOR): locking-redis
 * takes a lock as a script call on `medusa_lock:<key>`.
 */
async function watchRedisLockKeys(redisUrl: string) {
  const client = new Redis(redisUrl)
  const monitor = await client.monitor()
  const locked = new Set<string>()
  const marker = `lock-watch-end:${Math.random()}`
  const markerSeen = new Promise<void>((resolve) =>
    monitor.on("monitor", (_time: string, args: string[]) => {
      if (args[1] === marker) resolve()
      const key = args.find((arg) => arg.startsWith("medusa_lock:"))
      if (key && /^(evalsha|eval|set)$/i.test(args[0])) locked.add(key.slice("medusa_lock:".length))
    })
  )
  return {
    /** Stops after MONITOR has shown every command sent before this call (a marker sent last). */
    async stop() {
      const probe = client.duplicate()
      await probe.echo(marker)
      await markerSeen
      probe.disconnect()
      monitor.disconnect()
      client.disconnect()
      return locked
    },
  }
}
