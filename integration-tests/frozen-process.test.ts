import supertest from "supertest"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { disarmFault, fastJobsEnv, faultInserts, releaseHeld, waitForStatement } from "./harness/faults"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  paymentRow,
  poll,
  uniqueEmail,
} from "./harness/storefront"

/**
 * A backend process freezes (SIGSTOP: a VM pause, a stalled host) in the
 * middle of placing orders, past its claim's lease. Another process takes the
 * payments over and places their orders. Then the frozen one resumes (SIGCONT)
 * exactly where it was, with what it read before: it must add no second order,
 * reverse nothing and undo nothing of the other's outcome.
 */
describe("a frozen process cannot place a second order", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  /** The other process: it places orders only when a storefront completes a cart there. */
  let other: Backend
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        ...fastJobsEnv,
        // A frozen process's claim runs out after 3 s here (30 s by default).
        CLICK_PLACEMENT_LEASE_SEC: "3",
      },
    })
    // Its placement job waits for 03:00 (a yearly schedule would overflow Node's timers and run at once).
    const sibling = await backend.startSibling({ env: { CLICK_ORDER_RETRY_CRON: "0 3 * * *" } })
    other = { ...backend, url: sibling.url, http: supertest(sibling.url) }
  })
  afterAll(async () => {
    backend?.resume()
    await backend?.stop()
    await double?.stop()
  })

  /** Medusa's payments of the cart's collection and the orders the collection is linked to. */
  async function medusaPaymentOf(cartId: string) {
    const { rows } = await backend.db.query(
      `SELECT p.id, p.provider_id, p.canceled_at IS NOT NULL AS canceled, p.captured_at IS NOT NULL AS captured,
              p.data->'click_placed'->>'order_id' AS placed_order,
              (SELECT array_agg(opc.order_id ORDER BY opc.order_id) FROM order_payment_collection opc
                WHERE opc.payment_collection_id = cpc.payment_collection_id AND opc.deleted_at IS NULL) AS collection_orders,
              (SELECT count(*)::int FROM refund r WHERE r.payment_id = p.id) AS refunds
         FROM cart_payment_collection cpc JOIN payment p ON p.payment_collection_id = cpc.payment_collection_id
        WHERE cpc.cart_id = $1 AND p.deleted_at IS NULL`,
      [cartId]
    )
    return rows
  }

  /** How many times the payment entered each state, from the audit of every state change. */
  async function entries(clickTransId: string) {
    const { rows } = await backend.db.query(
      `SELECT e.to_state, count(*)::int AS n FROM click_payment_event e
         JOIN click_transaction t ON t.id = e.transaction_id WHERE t.click_trans_id = $1 GROUP BY e.to_state`,
      [clickTransId]
    )
    return Object.fromEntries(rows.map((r) => [r.to_state, r.n]))
  }

  /** The payment's claim has run out: another process may take it over now. */
  async function waitForLeaseToRunOut(clickTransId: string) {
    const due = await poll(
      async () =>
        (await backend.db.query(`SELECT next_attempt_at <= now() AS due FROM click_transaction WHERE click_trans_id = $1`, [clickTransId]))
          .rows[0]?.due === true,
      (due) => due,
      15_000
    )
    expect(due, `the claim on ${clickTransId} ran out`).toBe(true)
  }

  /** The cart's Click session (the payment module's row), and its payment collection. */
  async function sessionOf(cartId: string) {
    const { rows } = await backend.db.query(
      `SELECT ps.id, ps.payment_collection_id FROM cart_payment_collection cpc
         JOIN payment_session ps ON ps.payment_collection_id = cpc.payment_collection_id AND ps.deleted_at IS NULL
        WHERE cpc.cart_id = $1 AND ps.provider_id = 'pp_click_click'`,
      [cartId]
    )
    return rows[0] as { id: string; payment_collection_id: string }
  }

  /** Waits until the resumed process logged a line about `cartId` containing `text`. */
  async function waitForLogLine(cartId: string, text: string) {
    const seen = await poll(
      async () => backend.readLog().split("\n").some((line) => line.includes(cartId) && line.includes(text)),
      (seen) => seen,
      60_000
    )
    expect(seen, `a log line of the resumed process about ${cartId} with "${text}"`).toBe(true)
  }

  /** The cart's one order is the one `orderId`, as the shopper, Click and Medusa's admin see it. */
  async function expectOnlyOrder(payment: { cartId: string; clickTransId: string; clickPaydocId: string }, orderId: string) {
    expect(await countOrdersForCart(backend, payment.cartId), payment.cartId).toBe(1)
    expect(await paymentRow(backend, { clickTransId: payment.clickTransId })).toMatchObject({
      state: "placed",
      order_id: orderId,
      refund_reason: null,
    })
    // Entered each state once: never a refund decision.
    expect(await entries(payment.clickTransId)).toEqual({ prepared: 1, confirmed: 1, placed: 1 })
    // Nothing reversed at Click.
    expect(double.reversalCalls(payment.clickPaydocId)).toBe(0)
    // Medusa's payment: captured, not cancelled, never refunded, marked for that order, whose only collection link it is.
    expect(await medusaPaymentOf(payment.cartId)).toEqual([
      expect.objectContaining({ canceled: false, captured: true, placed_order: orderId, collection_orders: [orderId], refunds: 0 }),
    ])
    // The storefront, at the process that froze too, gets that one order.
    const storefront = await completeCartFromStorefront(backend, payment.cartId)
    expect(storefront.status).toBe(200)
    expect(storefront.body.order.id).toBe(orderId)
  }

  /**
   * Pays a fresh cart at the first process and holds that process's placement
   * inside completeCartWorkflow, at its order insert: past its read of the
   * cart's order ("none yet"). Returns the payment and the email its order has.
   */
  async function heldInsideCompletion() {
    const email = uniqueEmail()
    const cart = await createPayableCart(backend, { email })
    const restore = await faultInserts(backend, "order", { kind: "hold", only: { column: "email", equals: email } })
    const payment = await clickPays(backend, double, cart)
    expect(payment.answer?.error).toBe(0)
    await waitForStatement(backend, '%insert into "order"%', { hungMs: 300, timeoutMs: 20_000 })
    return { payment, email, restore }
  }

  /** Freezes the first process; its held order insert finishes in PostgreSQL, its transaction stays open. */
  async function freeze() {
    backend.pause()
    await disarmFault(backend, "order", "INSERT")
    await releaseHeld(backend, "order", "INSERT")
  }

  /**
   * Waits until the resumed process's links of `cartId`'s order reached
   * PostgreSQL while the other's are held: they wait there for the other's
   * (its transaction holds the cart's link lock), or, were nothing to make
   * them wait, they landed. The other's held links are let go after that.
   */
  async function waitForResumedLinks(cartId: string) {
    const reached = await poll(
      async () =>
        (
          await backend.db.query(
            `SELECT EXISTS (SELECT 1 FROM pg_stat_activity waiting JOIN pg_stat_activity held ON held.pid = ANY (pg_blocking_pids(waiting.pid))
                             WHERE waiting.datname = current_database() AND waiting.query ILIKE '%insert into "order_%'
                               AND held.query ILIKE '%insert into "order_%')
                 OR EXISTS (SELECT 1 FROM order_cart WHERE cart_id = $1) AS reached`,
            [cartId]
          )
        ).rows[0].reached === true,
      (reached) => reached,
      40_000
    )
    expect(reached, `the resumed process's links of ${cartId} reached the database`).toBe(true)
  }

  it("resumed while the other process authorizes its payment: it decides no refund, and the other's order stands", async () => {
    const inCompletion = await heldInsideCompletion()
    const restores = [inCompletion.restore]
    try {
      // And, at once, another cart's placement waits for Click's answer to payment/status.
      double.injectFault({ endpoint: "payment/status", kind: "hang", ms: 6000 })
      const askingClick = await clickPays(backend, double, await createPayableCart(backend))
      expect(askingClick.answer?.error).toBe(0)
      expect(await poll(async () => double.heldRequests(), (held) => held === 1, 15_000)).toBe(1)
      await freeze()

      // The other process takes both over once the frozen claims ran out.
      await waitForLeaseToRunOut(askingClick.clickTransId)
      const placedAskingClick = await completeCartFromStorefront(other, askingClick.cartId)
      expect(placedAskingClick.status, JSON.stringify(placedAskingClick.body)).toBe(200)
      // Its completion of the held cart: the order and its links are written, the payment is being authorized.
      const session = await sessionOf(inCompletion.payment.cartId)
      restores.push(await faultInserts(backend, "payment", { kind: "hold", only: { column: "payment_session_id", equals: session.id } }))
      await waitForLeaseToRunOut(inCompletion.payment.clickTransId)
      const placingHeld = completeCartFromStorefront(other, inCompletion.payment.cartId).then((response) => response)
      await waitForStatement(backend, '%insert into "payment"%', { hungMs: 300, timeoutMs: 30_000 })

      backend.resume()
      // The resumed completion goes on from its stale read: Medusa refuses its links, and it fails for good.
      await waitForLogLine(inCompletion.payment.cartId, "refund")
      await disarmFault(backend, "payment", "INSERT")
      await releaseHeld(backend, "payment", "INSERT")
      const placedHeld = await placingHeld
      expect(placedHeld.status, JSON.stringify(placedHeld.body)).toBe(200)
      // The reversal job runs every second in both processes: it would have acted by now.
      await new Promise((resolve) => setTimeout(resolve, 5000))

      await expectOnlyOrder(inCompletion.payment, placedHeld.body.order.id)
      await expectOnlyOrder(askingClick, placedAskingClick.body.order.id)
      const { rows } = await backend.db.query(`SELECT id FROM "order" WHERE email = $1 AND deleted_at IS NULL`, [inCompletion.email])
      expect(rows.map((r) => r.id)).toEqual([placedHeld.body.order.id])
    } finally {
      backend.resume()
      for (const restore of restores) await restore()
    }
  }, 300_000)

  it("resumed while the other process writes its order's links: the database refuses the second order's", async () => {
    const inCompletion = await heldInsideCompletion()
    const restores = [inCompletion.restore]
    try {
      await freeze()
      const session = await sessionOf(inCompletion.payment.cartId)
      // The other process's completion of the cart: its order written, its links on their way in.
      restores.push(
        await faultInserts(backend, "order_cart", { kind: "hold", only: { column: "cart_id", equals: inCompletion.payment.cartId } }),
        await faultInserts(backend, "order_payment_collection", {
          kind: "hold",
          only: { column: "payment_collection_id", equals: session.payment_collection_id },
        })
      )
      await waitForLeaseToRunOut(inCompletion.payment.clickTransId)
      const placing = completeCartFromStorefront(other, inCompletion.payment.cartId).then((response) => response)
      await waitForStatement(backend, '%insert into "order_cart"%', { hungMs: 300, timeoutMs: 30_000 })
      await waitForStatement(backend, '%insert into "order_payment_collection"%', { hungMs: 300, timeoutMs: 30_000 })
      // Only the other's links are held: the resumed process's go straight to PostgreSQL.
      await disarmFault(backend, "order_cart", "INSERT")
      await disarmFault(backend, "order_payment_collection", "INSERT")

      backend.resume()
      // The resumed completion goes on from its stale read and writes its order's links while the other's are held.
      await waitForResumedLinks(inCompletion.payment.cartId)
      await releaseHeld(backend, "order_cart", "INSERT")
      await releaseHeld(backend, "order_payment_collection", "INSERT")
      const placed = await placing
      expect(placed.status, JSON.stringify(placed.body)).toBe(200)
      await new Promise((resolve) => setTimeout(resolve, 5000))

      await expectOnlyOrder(inCompletion.payment, placed.body.order.id)
      const { rows } = await backend.db.query(`SELECT id FROM "order" WHERE email = $1 AND deleted_at IS NULL`, [inCompletion.email])
      expect(rows.map((r) => r.id)).toEqual([placed.body.order.id])
      // It was PostgreSQL that refused them, and the resumed placement failed (it is retried, and finds the order).
      await waitForLogLine(inCompletion.payment.cartId, "a second order is refused")
    } finally {
      backend.resume()
      for (const restore of restores) await restore()
    }
  }, 300_000)
})
