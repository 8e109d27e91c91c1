import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { enableSystemProvider } from "../scripts/lib/admin.mjs"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, completeFields, newClickTransId } from "./harness/click"
import {
  completeCartFromStorefront,
  countOrdersForCart,
  createPayableCart,
  createPaymentSession,
} from "./harness/storefront"

/** Money never lost, orders never free: the paths around the happy one. */
describe("payment integrity", () => {
  let backend: Backend
  beforeAll(async () => {
    // The missing-order job every 2 s instead of every minute.
    backend = await startBackend({ env: { CLICK_ORDER_RETRY_CRON: "*/2 * * * * *" } })
    await enableSystemProvider(backend.url)
  })
  afterAll(async () => {
    await backend?.stop()
  })

  async function preparedCart() {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect(prepared.body.error).toBe(0)
    return { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id }
  }

  /** A database fault: every order insert fails while `run` runs. */
  async function withOrdersFailing(run: () => Promise<void>) {
    await backend.db.query(`
      CREATE OR REPLACE FUNCTION click_test_fail_orders() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'injected fault: orders are down'; END $$ LANGUAGE plpgsql;
      CREATE TRIGGER click_test_fail_orders BEFORE INSERT ON "order"
        FOR EACH ROW EXECUTE FUNCTION click_test_fail_orders();`)
    try {
      await run()
    } finally {
      await backend.db.query(`DROP TRIGGER click_test_fail_orders ON "order"`)
    }
  }

  const transaction = async (merchantPrepareId: number) =>
    (
      await backend.db.query(
        "SELECT state, order_id, last_error, complete_click_trans_id FROM click_transaction WHERE merchant_prepare_id = $1",
        [merchantPrepareId]
      )
    ).rows[0]

  it("places the order when Click's Complete carries another click_trans_id than its Prepare", async () => {
    const complete = await preparedCart()
    const otherId = newClickTransId()
    const answer = await clickComplete(backend, { ...complete, clickTransId: otherId })
    expect(answer.body).toMatchObject({ error: 0, merchant_confirm_id: complete.merchantPrepareId })
    expect(await transaction(complete.merchantPrepareId)).toMatchObject({
      state: "confirmed",
      last_error: null,
      complete_click_trans_id: otherId,
    })
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
  })

  it("after a failed order placement, Click's retry and the storefront place the order, once", async () => {
    const first = await preparedCart()
    const second = await preparedCart()
    await withOrdersFailing(async () => {
      for (const complete of [first, second]) {
        const answer = await clickComplete(backend, complete)
        // Click has the money: it must hear 0 whatever happens to the order.
        expect(answer.body.error).toBe(0)
        const recorded = await transaction(complete.merchantPrepareId)
        expect(recorded).toMatchObject({ state: "confirmed", order_id: null })
        expect(recorded.last_error).toMatch(/injected fault/)
        expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
      }
    })

    // Click repeats its Complete: still -4, and now the order exists.
    expect((await clickComplete(backend, first)).body.error).toBe(-4)
    expect(await countOrdersForCart(backend, first.cartId)).toBe(1)
    expect(await transaction(first.merchantPrepareId)).toMatchObject({ state: "confirmed", last_error: null })

    // The storefront's completion of the other cart places it under the same lock.
    const storefront = await completeCartFromStorefront(backend, second.cartId)
    expect(storefront.status).toBe(200)
    expect(storefront.body.type).toBe("order")
    expect(await countOrdersForCart(backend, second.cartId)).toBe(1)
    expect((await transaction(second.merchantPrepareId)).order_id).toBe(storefront.body.order.id)
  })

  it("a confirmed payment whose order failed gets it from the retry job, with no further request", async () => {
    const complete = await preparedCart()
    await withOrdersFailing(async () => {
      expect((await clickComplete(backend, complete)).body.error).toBe(0)
      expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
    })
    const deadline = Date.now() + 20_000
    while ((await countOrdersForCart(backend, complete.cartId)) === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
    expect(await transaction(complete.merchantPrepareId)).toMatchObject({ state: "confirmed", last_error: null })
  })

  it("12 Completes for 12 different carts at once all get 0 and their own order, without starving the database pool", async () => {
    const carts = []
    for (let i = 0; i < 12; i++) carts.push(await preparedCart())
    const started = Date.now()
    const answers = await Promise.all(carts.map((complete) => clickComplete(backend, complete)))
    const elapsedMs = Date.now() - started
    expect(answers.map((a) => a.body.error)).toEqual(Array(12).fill(0))
    for (const complete of carts) {
      expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
    }
    // Serialised placements take a fraction of a second each; a starved pool takes 60 s.
    expect(elapsedMs).toBeLessThan(30_000)
  })

  it("storefront completions fired while Click's Complete is in flight all see the same single order", async () => {
    const complete = await preparedCart()
    const delays = [0, 10, 25, 50, 100, 150, 200, 300, 400, 600]
    const [clickAnswer, ...storefront] = await Promise.all([
      clickComplete(backend, complete),
      ...delays.map((ms) =>
        new Promise((resolve) => setTimeout(resolve, ms)).then(() => completeCartFromStorefront(backend, complete.cartId))
      ),
    ])
    expect(clickAnswer.body.error).toBe(0)
    const { order_id } = await transaction(complete.merchantPrepareId)
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

  it("a Click payment for a cart completed meanwhile by another provider is flagged for reversal, not a second order", async () => {
    const complete = await preparedCart()
    await createPaymentSession(backend, complete.cartId, "pp_system_default")
    const other = await completeCartFromStorefront(backend, complete.cartId)
    expect(other.status).toBe(200)

    const answer = await clickComplete(backend, complete)
    expect(answer.body.error).toBe(-4)
    const recorded = await transaction(complete.merchantPrepareId)
    expect(recorded.state).not.toBe("confirmed")
    expect(recorded.last_error).toMatch(/reverse this payment/)
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(1)
  })

  it("Medusa authorizes a Click session only with the stamp of a verified Complete", async () => {
    const complete = await preparedCart()
    // As if a bug elsewhere marked the payment confirmed without Click's Complete.
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
    const complete = await preparedCart()
    const response = await fetch(`${backend.url}/hooks/payment/click_click`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-click-endpoint": "complete" },
      body: new URLSearchParams(completeFields(complete)).toString(),
    })
    expect(response.status).toBeLessThan(500)
    await new Promise((resolve) => setTimeout(resolve, 1500))
    expect(await transaction(complete.merchantPrepareId)).toMatchObject({ state: "prepared", order_id: null })
    expect(await countOrdersForCart(backend, complete.cartId)).toBe(0)
  })
})
