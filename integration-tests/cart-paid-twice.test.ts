import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { clickPays, startClickDouble, type ClickPayment } from "./harness/click-double"
import { fastJobsEnv, faultUpdates } from "./harness/faults"
import { countOrdersForCart, createPayableCart, poll, storeClient, type PayableCart } from "./harness/storefront"

/**
 * A shopper pays, the hold on the cart lapses before Click's Complete comes,
 * the shopper re-opens checkout (a new Click session) and pays again: Click
 * debited the cart twice, and both Completes arrive, in either order. The cart
 * ends with exactly one order and exactly one reversal at Click, never with
 * both debits reversed while the cart could still become an order.
 */
describe("a cart paid twice gives one order and one reversal", () => {
  let double: MerchantApiDouble
  let backend: Backend
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      // A Prepare without its Complete holds the cart for a second only: the shopper may start over.
      env: { CLICK_MERCHANT_API_URL: double.url, CLICK_PREPARED_HOLD_SEC: "1", ...fastJobsEnv },
    })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  /**
   * The two debits of one cart: the first Prepared on the cart's first
   * session, the second on the session the shopper opened after the hold
   * lapsed. Click's ledger holds both as in progress (payment_status 1) until
   * the test settles one: the attempt confirmed first waits for Click's word.
   */
  async function paidTwiceAfterReopening(): Promise<{ cart: PayableCart; first: ClickPayment; second: ClickPayment }> {
    const cart = await createPayableCart(backend)
    const first = await clickPays(backend, double, cart, { complete: false, clickStatus: 1 })
    const store = storeClient(backend)
    const { cart: full } = await store.get(`/store/carts/${cart.cartId}?fields=*payment_collection`)
    const reopened = await poll(
      () => store.raw("POST", `/store/payment-collections/${full.payment_collection.id}/payment-sessions`, { provider_id: "pp_click_click" }),
      (response) => response.status === 200,
      10_000
    )
    expect(reopened.status).toBe(200)
    const second = await clickPays(backend, double, cart, { complete: false, clickStatus: 1 })
    const { rows } = await backend.db.query(
      "SELECT payment_session_id FROM click_transaction WHERE merchant_prepare_id = ANY($1) ORDER BY created_at",
      [[first.merchantPrepareId, second.merchantPrepareId]]
    )
    // Medusa deleted the first session when the shopper opened the second.
    expect(rows[0].payment_session_id).not.toBe(rows[1].payment_session_id)
    return { cart, first, second }
  }

  async function states(cartId: string): Promise<Record<string, string>> {
    const { rows } = await backend.db.query("SELECT click_paydoc_id, state FROM click_transaction WHERE merchant_trans_id = $1", [cartId])
    return Object.fromEntries(rows.map((row) => [row.click_paydoc_id, row.state]))
  }

  /** Waits until every attempt of the cart has its outcome: an order, its money back at Click, or Click's word that none was taken. */
  function outcomes(cartId: string) {
    return poll(
      () => states(cartId),
      (now) => Object.values(now).every((state) => ["placed", "reversed", "contradicted"].includes(state))
    )
  }

  const reversalsAtClick = (payment: ClickPayment) => double.payment(payment.clickPaydocId)!.reversals.length

  async function cartStatus(cartId: string) {
    const response = await backend.http.get(`/store/click/carts/${cartId}`).set("x-publishable-api-key", backend.publishableKey)
    return response.body.status
  }

  /** While a debit waits on the other, Click's next Prepare for the cart hears "already paid" and takes no money. */
  async function expectCartTakenWhileQueued(cart: PayableCart) {
    const third = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: newClickTransId() })
    expect(third.body.error).toBe(-4)
    expect(await cartStatus(cart.cartId)).toBe("processing")
  }

  it("first Complete then second, the first no longer placeable (its session replaced): the second becomes the order, the first is reversed", async () => {
    const { cart, first, second } = await paidTwiceAfterReopening()
    expect((await clickComplete(backend, first)).body.error).toBe(0)
    expect((await clickComplete(backend, second)).body.error).toBe(-4)
    await expectCartTakenWhileQueued(cart)

    // Click now reports the first debit paid: its placement goes on, and finds its session gone.
    double.settlePayment(first.clickPaydocId, 2)
    double.settlePayment(second.clickPaydocId, 2)
    expect(await outcomes(cart.cartId)).toEqual({ [first.clickPaydocId]: "reversed", [second.clickPaydocId]: "placed" })
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect([reversalsAtClick(first), reversalsAtClick(second)]).toEqual([1, 0])
    expect(await cartStatus(cart.cartId)).toBe("paid")
  })

  it("second Complete then first: the second becomes the order, the first is reversed as a double payment", async () => {
    const { cart, first, second } = await paidTwiceAfterReopening()
    expect((await clickComplete(backend, second)).body.error).toBe(0)
    expect((await clickComplete(backend, first)).body.error).toBe(-4)
    await expectCartTakenWhileQueued(cart)

    double.settlePayment(second.clickPaydocId, 2)
    double.settlePayment(first.clickPaydocId, 2)
    expect(await outcomes(cart.cartId)).toEqual({ [first.clickPaydocId]: "reversed", [second.clickPaydocId]: "placed" })
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect([reversalsAtClick(first), reversalsAtClick(second)]).toEqual([1, 0])
    const { rows } = await backend.db.query("SELECT refund_reason FROM click_transaction WHERE click_paydoc_id = $1", [first.clickPaydocId])
    expect(rows[0].refund_reason).toBe("double_payment")
  })

  it("a debit queued behind one Click then contradicts becomes the order, settled from the database after its row could not be written", async () => {
    // The shopper opened the pay link twice and paid in both tabs: two debits on the cart's one session.
    const cart = await createPayableCart(backend)
    const first = await clickPays(backend, double, cart, { complete: false, clickStatus: 1 })
    const second = await clickPays(backend, double, cart, { complete: false, clickStatus: 1 })
    expect((await clickComplete(backend, second)).body.error).toBe(0)
    expect((await clickComplete(backend, first)).body.error).toBe(-4)
    const { rows } = await backend.db.query("SELECT id FROM click_transaction WHERE click_paydoc_id = $1", [first.clickPaydocId])
    // From here the queued debit's row cannot change, as if every process died before settling it.
    const restore = await faultUpdates(backend, "click_transaction", { kind: "fail", only: { column: "id", equals: rows[0].id } })
    try {
      // Click says the second payment did not go through after all; the first did.
      double.settlePayment(second.clickPaydocId, -5017)
      double.settlePayment(first.clickPaydocId, 2)
      const meanwhile = await poll(() => states(cart.cartId), (now) => now[second.clickPaydocId] === "contradicted")
      expect(meanwhile).toEqual({ [first.clickPaydocId]: "queued", [second.clickPaydocId]: "contradicted" })
      expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)
      // The newest attempt was contradicted, but the cart's money is not settled: still processing.
      await expectCartTakenWhileQueued(cart)
    } finally {
      await restore()
    }
    // Nothing in memory remembers the queued debit: the recovery job finds it in the database.
    expect(await outcomes(cart.cartId)).toEqual({ [first.clickPaydocId]: "placed", [second.clickPaydocId]: "contradicted" })
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
    expect([reversalsAtClick(first), reversalsAtClick(second)]).toEqual([0, 0])
    expect(await cartStatus(cart.cartId)).toBe("paid")
  })
})
