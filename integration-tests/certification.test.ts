import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId, postCallback, prepareFields, completeFields } from "./harness/click"
import {
  countOrderRowsOfEmail,
  countOrdersForCart,
  createPayableCart,
  uniqueEmail,
  waitForOrders,
  waitForPaidStatus,
  waitForPaymentState,
} from "./harness/storefront"

/** Click's certification sequence (protocol §6), each step's side effect checked in the database. */
describe("Click certification sequence", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  const transactionState = async (clickTransId: string) => {
    const { rows } = await backend.db.query(
      "SELECT state, order_id, last_error FROM click_transaction WHERE click_trans_id = $1",
      [clickTransId]
    )
    return rows[0]
  }

  it("answers every step as Click expects and places exactly the orders that were paid", async () => {
    // The sequence's shopper: every order row of this email is the sequence's own.
    const email = uniqueEmail()
    const first = await createPayableCart(backend, { email })
    const attempt1 = newClickTransId()

    // 1. Prepare, bad signature → -1, nothing recorded
    const badPrepare = await postCallback(backend, "prepare",
      prepareFields({ cartId: first.cartId, amount: first.amount, clickTransId: attempt1, secretKey: "wrong" }))
    expect(badPrepare.status).toBe(200)
    expect(badPrepare.body).toMatchObject({ error: -1, error_note: "SIGN CHECK FAILED!" })
    expect(await transactionState(attempt1)).toBeUndefined()

    // 2. Prepare, valid → 0 with an integer merchant_prepare_id
    const prepared = await clickPrepare(backend, { cartId: first.cartId, amount: first.amount, clickTransId: attempt1 })
    expect(prepared.body).toMatchObject({ error: 0, merchant_trans_id: first.cartId, click_trans_id: Number(attempt1) })
    const prepareId = prepared.body.merchant_prepare_id
    expect(Number.isInteger(prepareId)).toBe(true)
    expect(await transactionState(attempt1)).toMatchObject({ state: "prepared" })

    // 3. Complete, bad signature → -1
    const badComplete = await postCallback(backend, "complete", completeFields({
      cartId: first.cartId, amount: first.amount, clickTransId: attempt1, merchantPrepareId: prepareId, secretKey: "wrong",
    }))
    expect(badComplete.body.error).toBe(-1)

    // 4. Complete, amount changed → -2, still prepared, no order
    const changedAmount = await clickComplete(backend, {
      cartId: first.cartId, amount: "1000.00", clickTransId: attempt1, merchantPrepareId: prepareId,
    })
    expect(changedAmount.body.error).toBe(-2)
    expect(await transactionState(attempt1)).toMatchObject({ state: "prepared" })
    expect(await countOrdersForCart(backend, first.cartId)).toBe(0)

    // 5. Complete, valid → 0, confirmed, one order
    const completed = await clickComplete(backend, {
      cartId: first.cartId, amount: first.amount, clickTransId: attempt1, merchantPrepareId: prepareId,
    })
    expect(completed.body).toMatchObject({ error: 0, merchant_confirm_id: prepareId })
    expect(await waitForOrders(backend, first.cartId)).toBe(1)
    const confirmed = await waitForPaymentState(backend, { clickTransId: attempt1 }, ["placed"])
    expect(confirmed).toMatchObject({ state: "placed", last_error: null })
    expect(confirmed!.order_id).toMatch(/^order_/)

    // 6. Complete repeated → -4, nothing changes
    const repeated = await clickComplete(backend, {
      cartId: first.cartId, amount: first.amount, clickTransId: attempt1, merchantPrepareId: prepareId,
    })
    expect(repeated.body.error).toBe(-4)

    // 7. Complete with error=-1 on the confirmed payment → -4, still confirmed
    const cancelAfterPaid = await clickComplete(backend, {
      cartId: first.cartId, amount: first.amount, clickTransId: attempt1, merchantPrepareId: prepareId, error: "-1",
    })
    expect(cancelAfterPaid.body.error).toBe(-4)
    expect(await transactionState(attempt1)).toMatchObject({ state: "placed", order_id: confirmed!.order_id })
    expect(await countOrdersForCart(backend, first.cartId)).toBe(1)

    // 8. Prepare for an unknown merchant_trans_id → -5
    const unknown = await clickPrepare(backend, { cartId: "cart_does_not_exist", amount: first.amount })
    expect(unknown.body.error).toBe(-5)

    // 9. Prepare, valid, a new payable order → 0
    const second = await createPayableCart(backend, { email })
    const attempt2 = newClickTransId()
    const prepared2 = await clickPrepare(backend, { cartId: second.cartId, amount: second.amount, clickTransId: attempt2 })
    expect(prepared2.body.error).toBe(0)
    expect(prepared2.body.merchant_prepare_id).not.toBe(prepareId)

    // 10. Complete with an unknown merchant_prepare_id → -6
    const unknownPrepare = await clickComplete(backend, {
      cartId: second.cartId, amount: second.amount, clickTransId: attempt2, merchantPrepareId: 999999,
    })
    expect(unknownPrepare.body.error).toBe(-6)
    expect(await countOrdersForCart(backend, second.cartId)).toBe(0)

    // 11. Complete, valid → 0
    const completed2 = await clickComplete(backend, {
      cartId: second.cartId, amount: second.amount, clickTransId: attempt2,
      merchantPrepareId: prepared2.body.merchant_prepare_id,
    })
    expect(completed2.body.error).toBe(0)
    expect(await waitForOrders(backend, second.cartId)).toBe(1)

    // 12. Prepare, valid, a new payable order → 0
    const third = await createPayableCart(backend, { email })
    const attempt3 = newClickTransId()
    const prepared3 = await clickPrepare(backend, { cartId: third.cartId, amount: third.amount, clickTransId: attempt3 })
    expect(prepared3.body.error).toBe(0)
    const cancelArgs = {
      cartId: third.cartId, amount: third.amount, clickTransId: attempt3,
      merchantPrepareId: prepared3.body.merchant_prepare_id,
    }

    // 13. Complete with error=-5017 → -9, cancelled
    expect((await clickComplete(backend, { ...cancelArgs, error: "-5017" })).body.error).toBe(-9)
    expect(await transactionState(attempt3)).toMatchObject({ state: "cancelled" })
    // 14. Same again → -9
    expect((await clickComplete(backend, { ...cancelArgs, error: "-5017" })).body.error).toBe(-9)
    // 15. Complete with error=0 on that cancelled payment → -9, still no order
    expect((await clickComplete(backend, cancelArgs)).body.error).toBe(-9)
    expect(await transactionState(attempt3)).toMatchObject({ state: "cancelled", order_id: null })
    expect(await countOrdersForCart(backend, third.cartId)).toBe(0)

    expect(await countOrderRowsOfEmail(backend, email)).toBe(2)
  })

  it("lets a cart whose Click attempt was cancelled be paid by a new attempt", async () => {
    const cart = await createPayableCart(backend)
    const cancelled = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: cancelled })
    await clickComplete(backend, {
      cartId: cart.cartId, amount: cart.amount, clickTransId: cancelled,
      merchantPrepareId: prepared.body.merchant_prepare_id, error: "-5017",
    })
    const status = await backend.http
      .get(`/store/click/carts/${cart.cartId}`)
      .set("x-publishable-api-key", backend.publishableKey)
    expect(status.body).toEqual({ cart_id: cart.cartId, status: "cancelled", order_id: null, order_display_id: null, invoice: null })

    // The cancelled attempt stays cancelled even if Click repeats its Prepare.
    const repeatedCancelled = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: cancelled })
    expect(repeatedCancelled.body.error).toBe(-9)

    const retry = newClickTransId()
    const preparedAgain = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: retry })
    expect(preparedAgain.body.error).toBe(0)
    expect(preparedAgain.body.merchant_prepare_id).not.toBe(prepared.body.merchant_prepare_id)
    // A repeated Prepare of the open attempt gets the same id back.
    const repeatedPrepare = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId: retry })
    expect(repeatedPrepare.body.merchant_prepare_id).toBe(preparedAgain.body.merchant_prepare_id)

    const paid = await clickComplete(backend, {
      cartId: cart.cartId, amount: cart.amount, clickTransId: retry,
      merchantPrepareId: preparedAgain.body.merchant_prepare_id, json: true,
    })
    expect(paid.body.error).toBe(0)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)

    const after = await waitForPaidStatus(backend, cart.cartId)
    expect(after).toMatchObject({ cart_id: cart.cartId, status: "paid" })
    expect(after.order_id).toMatch(/^order_/)

    // A Prepare for a paid cart tells Click it is already paid.
    const lateAttempt = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount })
    expect(lateAttempt.body.error).toBe(-4)
  })

  it("accepts the amount in every format Click sends: 58400, 58400.0 and 58400.00", async () => {
    for (const format of [(a: string) => a.replace(/\.00$/, ""), (a: string) => a.replace(/0$/, ""), (a: string) => a]) {
      const cart = await createPayableCart(backend)
      const amount = format(cart.amount)
      const clickTransId = newClickTransId()
      const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount, clickTransId })
      expect(prepared.body.error, `Prepare with amount ${amount}`).toBe(0)
      const completed = await clickComplete(backend, {
        cartId: cart.cartId, amount, clickTransId, merchantPrepareId: prepared.body.merchant_prepare_id,
      })
      expect(completed.body.error, `Complete with amount ${amount}`).toBe(0)
      expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    }
  })
})
