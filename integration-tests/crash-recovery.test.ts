import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, preparedCart } from "./harness/click"
import { faultInserts, faultUpdates, waitForStatement, waitUntilNoStatement } from "./harness/faults"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  paymentRow,
  uniqueEmail,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

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


  /**
   * One kill for three windows of placement: each cart's own write is held by a
   * trigger that matches only that cart's row, so the three placements are caught
   * at once, each at its point, and one restart recovers them all.
   */
  describe("killed mid-placement, at three points at once", () => {
    let inStamp: Awaited<ReturnType<typeof preparedCart>>
    let inOrderWrite: Awaited<ReturnType<typeof preparedCart>>
    let beforeAuthorize: Awaited<ReturnType<typeof preparedCart>>
    const whileDead: Record<string, unknown> = {}

    beforeAll(async () => {
      inStamp = await preparedCart(backend)
      inOrderWrite = await preparedCart(backend, { email: uniqueEmail() })
      beforeAuthorize = await preparedCart(backend)
      const sessionOf = async (cart: { merchantPrepareId: number }) =>
        (await paymentRow(backend, { merchantPrepareId: cart.merchantPrepareId }))!.payment_session_id
      const hold = { kind: "hold" } as const
      const restores = [
        // Placement's first write is the confirmation stamp into the session.
        await faultUpdates(backend, "payment_session", { ...hold, only: { column: "id", equals: await sessionOf(inStamp) } }),
        // Inside Medusa's completeCartWorkflow, the order insert.
        await faultInserts(backend, "order", { ...hold, only: { column: "email", equals: inOrderWrite.email! } }),
        // completeCartWorkflow authorizes the payment last: the order is already written.
        await faultInserts(backend, "payment", { ...hold, only: { column: "payment_session_id", equals: await sessionOf(beforeAuthorize) } }),
      ]
      try {
        const answers = await Promise.all([inStamp, inOrderWrite, beforeAuthorize].map((cart) => clickComplete(backend, cart)))
        expect(answers.map((answer) => answer.body.error)).toEqual([0, 0, 0])
        for (const held of ['%update "payment_session"%', '%insert into "order"%', '%insert into "payment"%']) {
          await waitForStatement(backend, held, { hungMs: 300 })
        }
        await backend.kill()
      } finally {
        for (const restore of restores) await restore()
      }
      // The dead process's held writes end in PostgreSQL, and are rolled back with its connections.
      for (const held of ['%update "payment_session"%', '%insert into "order"%', '%insert into "payment"%']) {
        await waitUntilNoStatement(backend, held)
      }
      whileDead.stamp = (
        await backend.db.query(
          `SELECT ps.data ? 'click_confirmation' AS stamped, ct.state, ct.confirmation_token IS NOT NULL AS kept
             FROM click_transaction ct JOIN payment_session ps ON ps.id = ct.payment_session_id
            WHERE ct.merchant_prepare_id = $1`,
          [inStamp.merchantPrepareId]
        )
      ).rows
      for (const [name, cart] of Object.entries({ inStamp, inOrderWrite, beforeAuthorize })) {
        whileDead[`${name} orders`] = await countOrdersForCart(backend, cart.cartId)
        whileDead[`${name} state`] = (await paymentRow(backend, { merchantPrepareId: cart.merchantPrepareId }))?.state
      }
      whileDead.medusaPayments = await medusaPaymentOf(beforeAuthorize.cartId)
      // What Medusa's Postgres locking leaves when a completion dies: an owner-less row on the
      // bare cart id, which its acquire() refuses for ever.
      await backend.db.query(
        `INSERT INTO locking (id, owner_id, expiration) VALUES ($1, NULL, now() + interval '120 seconds')
         ON CONFLICT (id) DO NOTHING`,
        [inOrderWrite.cartId]
      )
      await backend.restart()
    })

    it("after Click's answer, while the stamp is on its way into Medusa's session: the restart places the order with the stamp kept on the payment", async () => {
      expect(whileDead.stamp).toEqual([{ stamped: false, state: "confirmed", kept: true }])
      expect(whileDead["inStamp orders"]).toBe(0)

      expect(await waitForOrders(backend, inStamp.cartId, 60_000)).toBe(1)
      expect(await waitForPaymentState(backend, { merchantPrepareId: inStamp.merchantPrepareId }, ["placed", "refund_required"], 30_000)).toMatchObject({
        state: "placed",
        refund_reason: null,
      })
    })

    it("while the order is being written: the payment is placed after the restart, past the lock row a dead completion left", async () => {
      expect(whileDead["inOrderWrite orders"]).toBe(0)
      expect(whileDead["inOrderWrite state"]).toBe("confirmed")

      expect(await waitForOrders(backend, inOrderWrite.cartId, 60_000)).toBe(1)
      expect(await waitForPaymentState(backend, { merchantPrepareId: inOrderWrite.merchantPrepareId }, ["placed"])).toMatchObject({
        state: "placed",
      })
      const { rows } = await backend.db.query("SELECT count(*)::int AS n FROM locking WHERE id = $1", [inOrderWrite.cartId])
      expect(rows[0].n).toBe(0)
      // And the storefront's own completion route works for that cart again.
      const storefront = await completeCartFromStorefront(backend, inOrderWrite.cartId)
      expect(storefront.status).toBe(200)
      expect(storefront.body.type).toBe("order")
    })

    it("after Medusa wrote the order and before it authorized the payment: the restart records that order, paid, and refunds nothing", async () => {
      expect(whileDead["beforeAuthorize orders"]).toBe(1)
      expect(whileDead["beforeAuthorize state"]).toBe("confirmed")
      expect(whileDead.medusaPayments).toEqual([])

      const placed = await waitForPaymentState(backend, { merchantPrepareId: beforeAuthorize.merchantPrepareId }, ["placed", "refund_required"], 30_000)
      expect(placed).toMatchObject({ state: "placed", refund_reason: null })
      expect(await countOrdersForCart(backend, beforeAuthorize.cartId)).toBe(1)
      // The order is paid in Medusa as an uninterrupted placement leaves it: one captured Click payment, in the order's transactions.
      expect(await medusaPaymentOf(beforeAuthorize.cartId)).toEqual([
        {
          provider_id: "pp_click_click",
          captured: true,
          placed_order: placed!.order_id,
          order_paid: beforeAuthorize.amount.replace(/\.00$/, ""),
        },
      ])
    })
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
