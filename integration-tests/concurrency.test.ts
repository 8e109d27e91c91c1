import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import {
  completeCartFromStorefront,
  countOrderRowsOfEmail,
  createPayableCart,
  paymentRow,
  storeClient,
  uniqueEmail,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

describe("one order per paid cart, whatever races", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  async function preparedCart(email?: string) {
    const cart = await createPayableCart(backend, { email })
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
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    await waitForPaymentState(backend, { clickTransId: cart.complete.clickTransId }, ["placed"])

    const { rows } = await backend.db.query(
      "SELECT order_id FROM click_transaction WHERE merchant_trans_id = $1 AND state = 'placed'",
      [cart.cartId]
    )
    expect(rows).toHaveLength(1)
    // A storefront completion after Click's Complete gets that same single order.
    const late = await completeCartFromStorefront(backend, cart.cartId)
    expect(late.status).toBe(200)
    expect(late.body).toMatchObject({ type: "order", order: { id: rows[0].order_id } })
  })

  it("a storefront completion before Click's Complete creates no order at all, and Click's Complete still places it", async () => {
    const email = uniqueEmail()
    const cart = await preparedCart(email)
    const early = await completeCartFromStorefront(backend, cart.cartId)
    expect(early.status).toBe(400)
    expect(early.body.message).toMatch(/paid with Click/)
    // Not even an order created and rolled back (soft-deleted rows count too).
    expect(await countOrderRowsOfEmail(backend, email)).toBe(0)

    const completed = await clickComplete(backend, cart.complete)
    expect(completed.body.error).toBe(0)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
  })

  it("a storefront cannot authorize a Click session by writing a confirmation into its data", async () => {
    const email = uniqueEmail()
    const cart = await createPayableCart(backend, { email })
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
    expect(await countOrderRowsOfEmail(backend, email)).toBe(0)
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

  it("after Prepare the storefront can neither re-create the session nor edit the cart, and the payment still becomes its order", async () => {
    const cart = await preparedCart()
    const store = storeClient(backend)
    const { products } = await store.get("/store/products?handle=click-demo-tshirt")
    const variantId = products[0].variants[0].id
    const { cart: full } = await store.get(`/store/carts/${cart.cartId}?fields=*payment_collection,*items`)
    const lineId = full.items[0].id
    const refused = await Promise.all([
      store.raw("POST", `/store/carts/${cart.cartId}/line-items`, { variant_id: variantId, quantity: 1 }),
      store.raw("POST", `/store/carts/${cart.cartId}/line-items/${lineId}`, { quantity: 3 }),
      store.raw("DELETE", `/store/carts/${cart.cartId}/line-items/${lineId}`),
      store.raw("POST", `/store/carts/${cart.cartId}`, { email: "other@example.com" }),
      store.raw("POST", `/store/payment-collections/${full.payment_collection.id}/payment-sessions`, { provider_id: "pp_click_click" }),
      store.raw("POST", `/store/payment-collections/${full.payment_collection.id}/payment-sessions`, { provider_id: "pp_system_default" }),
    ])
    for (const response of refused) {
      expect(response.status).toBe(409)
      expect(response.body.message).toContain(`/store/click/carts/${cart.cartId}`)
    }
    const completed = await clickComplete(backend, cart.complete)
    expect(completed.body).toMatchObject({ error: 0, merchant_confirm_id: cart.complete.merchantPrepareId })
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    expect(await waitForPaymentState(backend, { clickTransId: cart.complete.clickTransId }, ["placed"])).toMatchObject({
      state: "placed",
      refund_reason: null,
    })
    const { rows } = await backend.db.query(
      `SELECT li.quantity::int AS quantity, o.email FROM "order" o JOIN order_cart oc ON oc.order_id = o.id
         JOIN order_item li ON li.order_id = o.id WHERE oc.cart_id = $1`,
      [cart.cartId]
    )
    // The order is the cart Click was paid for, not an edited one.
    expect(rows).toEqual([{ quantity: 1, email: full.email }])
  })

  it("places one order for the first paid attempt of two and marks the second debit refund_required (double_payment)", async () => {
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
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    expect(await waitForPaymentState(backend, { clickTransId: attempts[0] }, ["placed"])).toMatchObject({ state: "placed" })
    // The second debit waited on the first (queued); the first's order makes it a double payment.
    expect(await waitForPaymentState(backend, { clickTransId: attempts[1] }, ["refund_required"])).toMatchObject({
      state: "refund_required",
      refund_reason: "double_payment",
    })
    // Click repeating the second Complete changes nothing.
    expect((await clickComplete(backend, prepared[1])).body.error).toBe(-4)
    expect(await paymentRow(backend, { clickTransId: attempts[1] })).toMatchObject({ state: "refund_required" })
  })
})
