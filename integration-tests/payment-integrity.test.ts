import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { enableSystemProvider } from "../scripts/lib/admin.mjs"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, completeFields, newClickTransId, preparedCart } from "./harness/click"
import { recordDebitAtClick } from "./harness/click-ledger"
import { faultOrderInserts } from "./harness/faults"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  createPaymentSession,
  LIMITED_PRINT,
  paymentRow,
  setLimitedPrintStock,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

/** Money never lost, orders never free: the paths around the happy one. */
describe("payment integrity", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await startBackend({
      env: {
        // The recovery job every 2 s instead of every 30 s, retries after 1 s, 2 s, 4 s…
        CLICK_ORDER_RETRY_CRON: "*/2 * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
        // A Prepare freezes the cart for 3 s here, so that a late debit can be tried.
        CLICK_PREPARED_HOLD_SEC: "3",
      },
    })
    await enableSystemProvider(backend.url)
  })
  afterAll(async () => {
    await backend?.stop()
  })


  const failOrders = () => faultOrderInserts(backend, { kind: "fail" })

  const payment = (merchantPrepareId: number) => paymentRow(backend, { merchantPrepareId })

  it("places the order when Click's Complete carries another click_trans_id than its Prepare", async () => {
    const complete = await preparedCart(backend)
    const otherId = newClickTransId()
    const answer = await clickComplete(backend, { ...complete, clickTransId: otherId })
    expect(answer.body).toMatchObject({ error: 0, merchant_confirm_id: complete.merchantPrepareId })
    expect(await waitForOrders(backend, complete.cartId)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: complete.merchantPrepareId }, ["placed"])).toMatchObject({
      state: "placed",
      last_error: null,
      complete_click_trans_id: otherId,
    })
  })

  it("places the order when Click's signed Complete writes our merchant_prepare_id with leading zeros", async () => {
    const complete = await preparedCart(backend)
    const answer = await clickComplete(backend, { ...complete, merchantPrepareId: `00${complete.merchantPrepareId}` })
    expect(answer.body).toMatchObject({ error: 0, merchant_confirm_id: complete.merchantPrepareId })
    expect(await waitForOrders(backend, complete.cartId)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: complete.merchantPrepareId }, ["placed"])).toMatchObject({
      state: "placed",
      last_error: null,
    })
  })

  it("a confirmed payment whose order failed gets it from the recovery job, with no further request", async () => {
    const complete = await preparedCart(backend)
    const restore = await failOrders()
    try {
      expect((await clickComplete(backend, complete)).body.error).toBe(0)
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
    } finally {
      await restore()
    }
    expect(await waitForOrders(backend, complete.cartId, 20_000)).toBe(1)
    expect(await waitForPaymentState(backend, { merchantPrepareId: complete.merchantPrepareId }, ["placed"])).toMatchObject({
      state: "placed",
    })
  })

  it("storefront completions fired while Click's Complete is in flight all see the same single order", async () => {
    const complete = await preparedCart(backend)
    const delays = [0, 10, 25, 50, 100, 150, 200, 300, 400, 600]
    const [clickAnswer, ...storefront] = await Promise.all([
      clickComplete(backend, complete),
      ...delays.map((ms) =>
        new Promise((resolve) => setTimeout(resolve, ms)).then(() => completeCartFromStorefront(backend, complete.cartId))
      ),
    ])
    expect(clickAnswer.body.error).toBe(0)
    expect(await waitForOrders(backend, complete.cartId)).toBe(1)
    const { order_id } = (await waitForPaymentState(backend, { merchantPrepareId: complete.merchantPrepareId }, ["placed"]))!
    for (const response of storefront) {
      // Before confirmation: 400 "paid with Click"; after: the one order.
      if (response.status === 200) {
        expect(response.body.order.id).toBe(order_id)
      } else {
        expect(response.status).toBe(400)
        expect(response.body.message).toMatch(/paid with Click/)
      }
    }
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
  })

  it("a late debit for a cart completed meanwhile by another provider becomes refund_required (paid_elsewhere), not a second order", async () => {
    const complete = await preparedCart(backend)
    // Within the hold, the storefront cannot switch providers…
    const early = await createPaymentSession(backend, complete.cartId, "pp_system_default").catch((e: Error) => e)
    expect(String(early)).toMatch(/409/)
    // …after it (Click never answered), it can.
    await new Promise((resolve) => setTimeout(resolve, 3200))
    await createPaymentSession(backend, complete.cartId, "pp_system_default")
    const other = await completeCartFromStorefront(backend, complete.cartId)
    expect(other.status).toBe(200)

    const answer = await clickComplete(backend, complete)
    expect(answer.body.error).toBe(-4)
    expect(await payment(complete.merchantPrepareId)).toMatchObject({ state: "refund_required", refund_reason: "paid_elsewhere" })
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
  })

  it("two carts paid for the last unit in stock: one order, the other payment answered 0 and then refund_required (unplaceable), never retried", async () => {
    await setLimitedPrintStock(backend, 1)
    try {
      // Both Prepares see the last unit; Click debits both shoppers.
      const a = await preparedCart(backend, { handle: LIMITED_PRINT })
      const loser = await preparedCart(backend, { handle: LIMITED_PRINT })
      expect((await clickComplete(backend, a)).body.error).toBe(0)
      expect(await waitForPaymentState(backend, { merchantPrepareId: a.merchantPrepareId }, ["placed"])).toMatchObject({ state: "placed" })
      // The second debit is answered 0 (Click forbids failing it), and the money is marked to go back.
      expect((await clickComplete(backend, loser)).body.error).toBe(0)
      // The reversal job (every 30 s) may already have sent the money back: that is the way forward.
      const refunded = ["refund_required", "reversed"]
      const decided = await waitForPaymentState(backend, { merchantPrepareId: loser.merchantPrepareId }, refunded)
      expect(decided).toMatchObject({ refund_reason: "unplaceable" })
      expect(refunded).toContain(decided?.state)
      const transitions = async () =>
        (
          await backend.db.query(
            `SELECT e.to_state FROM click_payment_event e JOIN click_transaction t ON t.id = e.transaction_id
              WHERE t.merchant_prepare_id = $1 ORDER BY e.created_at`,
            [loser.merchantPrepareId]
          )
        ).rows.map((row) => row.to_state)
      const refundPath = (states: string[]) => ["prepared", "confirmed", "refund_required", "reversed"].slice(0, states.length)
      expect((await transitions()).slice(0, 3)).toEqual(["prepared", "confirmed", "refund_required"])
      expect(await countOrdersForCart(backend, loser.cartId)).toBe(0)

      // Nothing turns that decision back: not Click's retry, the storefront or the recovery job.
      expect((await clickComplete(backend, loser)).body.error).toBe(-4)
      const storefront = await completeCartFromStorefront(backend, loser.cartId)
      expect(storefront.status).toBeGreaterThanOrEqual(400)
      await new Promise((resolve) => setTimeout(resolve, 2500))
      expect(refunded).toContain((await payment(loser.merchantPrepareId))?.state)
      const after = await transitions()
      expect(after).toEqual(refundPath(after))
      expect(after.length).toBeGreaterThanOrEqual(3)
      expect(await countOrdersForCart(backend, loser.cartId)).toBe(0)

      // A third cart for the sold-out print is refused at Prepare: Click takes no money.
      const third = await createPayableCart(backend, { handle: LIMITED_PRINT }).catch(() => null)
      if (third) {
        const refused = await clickPrepare(backend, { cartId: third.cartId, amount: third.amount })
        expect(refused.body.error).toBe(-5)
      }
    } finally {
      await setLimitedPrintStock(backend, 100)
    }
  })

  it("refuses Prepare with -5 when the cart's shipping option was deleted", async () => {
    const cart = await createPayableCart(backend)
    const { rows } = await backend.db.query(
      "SELECT shipping_option_id FROM cart_shipping_method WHERE cart_id = $1 AND deleted_at IS NULL",
      [cart.cartId]
    )
    await backend.db.query("UPDATE shipping_option SET deleted_at = now() WHERE id = $1", [rows[0].shipping_option_id])
    try {
      const refused = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount })
      expect(refused.body.error).toBe(-5)
    } finally {
      await backend.db.query("UPDATE shipping_option SET deleted_at = NULL WHERE id = $1", [rows[0].shipping_option_id])
    }
  })

  it("the recovery job gets past 25 payments that can never be placed and places the one that can", async () => {
    const good = await preparedCart(backend)
    const restore = await failOrders()
    try {
      expect((await clickComplete(backend, good)).body.error).toBe(0)
      await waitForPaymentState(backend, { merchantPrepareId: good.merchantPrepareId }, ["confirmed"])
    } finally {
      // 25 older confirmed payments whose carts are gone, due before the good one: debits
      // Click took (in its ledger) for carts deleted since.
      const run = Date.now()
      for (let i = 1; i <= 25; i++) {
        await recordDebitAtClick({ paydocId: `5${i}${run}`, clickTransId: `${i}${run}`, cartId: `cart_gone_${i}${run}`, amount: "1000" })
      }
      await backend.db.query(
        `INSERT INTO click_transaction (id, click_trans_id, click_paydoc_id, merchant_trans_id, payment_session_id, amount, amount_tiyin,
                                        raw_amount_tiyin, state, sign_time, confirmed_at)
         SELECT 'clicktx_gone_' || i, 'gone' || i || $1, '5' || i || $1, 'cart_gone_' || i || $1, 'payses_gone', '1000', 100000,
                '{"value":"100000","precision":20}', 'confirmed', '2026-01-01 00:00:00', now() - interval '1 day'
           FROM generate_series(1, 25) AS i`,
        [run]
      )
      await restore()
    }
    expect(await waitForOrders(backend, good.cartId, 20_000)).toBe(1)
    const gone = async () =>
      (
        await backend.db.query(
          `SELECT state, refund_reason, count(*)::int AS n FROM click_transaction WHERE id LIKE 'clicktx_gone_%' GROUP BY 1, 2`
        )
      ).rows
    const deadline = Date.now() + 10_000
    while ((await gone()).some((row) => row.state !== "refund_required") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    expect(await gone()).toEqual([{ state: "refund_required", refund_reason: "unplaceable", n: 25 }])
  })

  it("a debit whose payment session was replaced after Prepare is answered 0, then refunded (unplaceable), with no order", async () => {
    const complete = await preparedCart(backend)
    // Past the hold (Click never answered), the storefront starts a new Click session: the
    // session this attempt was prepared for is gone.
    await new Promise((resolve) => setTimeout(resolve, 3200))
    await createPaymentSession(backend, complete.cartId, "pp_click_click")

    const answer = await clickComplete(backend, complete)
    expect(answer.body).toMatchObject({ error: 0, merchant_confirm_id: complete.merchantPrepareId })
    expect(await waitForPaymentState(backend, { merchantPrepareId: complete.merchantPrepareId }, ["refund_required", "reversed"])).toMatchObject({
      refund_reason: "unplaceable",
      last_error: expect.stringMatching(/payment session was replaced/),
      order_id: null,
    })
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
  })

  it("Medusa authorizes a Click session only with the stamp of a verified Complete", async () => {
    const complete = await preparedCart(backend)
    // As if a bug elsewhere marked the payment confirmed without Click's Complete. Click did
    // take the money (its Merchant API reports it paid), so only the missing stamp is left to stop it.
    await recordDebitAtClick({ ...complete, paydocId: `4${complete.clickTransId}` })
    await backend.db.query(
      "UPDATE click_transaction SET state = 'confirmed' WHERE merchant_prepare_id = $1",
      [complete.merchantPrepareId]
    )
    const attempt = await completeCartFromStorefront(backend, complete.cartId)
    expect(attempt.status).toBeGreaterThanOrEqual(400)
    expect(attempt.status).toBeLessThan(500)
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
  })

  it("Medusa's generic payment webhook route cannot confirm a Click payment", async () => {
    const complete = await preparedCart(backend)
    const response = await fetch(`${backend.url}/hooks/payment/click_click`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-click-endpoint": "complete" },
      body: new URLSearchParams(completeFields(complete)).toString(),
    })
    expect(response.status).toBeLessThan(500)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await payment(complete.merchantPrepareId)).toMatchObject({ state: "prepared", order_id: null })
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
  })
})
