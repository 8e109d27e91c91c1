import { describe, expect, it } from "vitest"
import { ClickErrorCode, completeAnswer, prepareAnswer } from "../../../src/click"

describe("prepareAnswer", () => {
  it("builds a success answer with integer ids", () => {
    const answer = prepareAnswer({
      click_trans_id: "2001234567",
      merchant_trans_id: "cart_01JABC",
      merchant_prepare_id: 42,
      error: ClickErrorCode.Success,
    })
    expect(JSON.stringify(answer)).toBe(
      '{"click_trans_id":2001234567,"merchant_trans_id":"cart_01JABC","merchant_prepare_id":42,"error":0,"error_note":"Success"}',
    )
  })

  it("keeps a click_trans_id above 2^53 as the original string", () => {
    const answer = prepareAnswer({ click_trans_id: "9223372036854775807", error: ClickErrorCode.Success, merchant_prepare_id: 1 })
    expect(answer.click_trans_id).toBe("9223372036854775807")
    expect(prepareAnswer({ click_trans_id: "9007199254740992", error: 0 }).click_trans_id).toBe("9007199254740992")
    expect(prepareAnswer({ click_trans_id: "9007199254740991", error: 0 }).click_trans_id).toBe(9007199254740991)
  })

  it("keeps a non-canonical click_trans_id as the original string", () => {
    expect(prepareAnswer({ click_trans_id: "007", error: 0 }).click_trans_id).toBe("007")
    expect(prepareAnswer({ click_trans_id: "", error: 0 }).click_trans_id).toBe("")
  })

  it("builds an error answer with only the ids it has", () => {
    expect(prepareAnswer({ error: ClickErrorCode.BadRequest })).toEqual({
      merchant_prepare_id: null,
      error: -8,
      error_note: "Error in request from click",
    })
    expect(JSON.stringify(prepareAnswer({ error: ClickErrorCode.SignCheckFailed, merchant_trans_id: "cart" }))).toBe(
      '{"merchant_trans_id":"cart","merchant_prepare_id":null,"error":-1,"error_note":"SIGN CHECK FAILED!"}',
    )
  })

  it("uses a custom error_note when given", () => {
    expect(prepareAnswer({ error: ClickErrorCode.UserNotFound, error_note: "Order not found" }).error_note).toBe(
      "Order not found",
    )
  })
})

describe("completeAnswer", () => {
  it("builds a success answer with merchant_confirm_id", () => {
    expect(
      JSON.stringify(
        completeAnswer({
          click_trans_id: "2001234567",
          merchant_trans_id: "cart_01JABC",
          merchant_confirm_id: 7,
          error: ClickErrorCode.Success,
        }),
      ),
    ).toBe(
      '{"click_trans_id":2001234567,"merchant_trans_id":"cart_01JABC","merchant_confirm_id":7,"error":0,"error_note":"Success"}',
    )
  })

  it("answers a cancellation with a null merchant_confirm_id", () => {
    expect(
      completeAnswer({ click_trans_id: "2001234567", merchant_trans_id: "cart", error: ClickErrorCode.TransactionCancelled }),
    ).toEqual({
      click_trans_id: 2001234567,
      merchant_trans_id: "cart",
      merchant_confirm_id: null,
      error: -9,
      error_note: "Transaction cancelled",
    })
  })

  it("keeps a big click_trans_id as a string", () => {
    expect(completeAnswer({ click_trans_id: "18446744073709551615", error: ClickErrorCode.AlreadyPaid })).toEqual({
      click_trans_id: "18446744073709551615",
      merchant_confirm_id: null,
      error: -4,
      error_note: "Already paid",
    })
  })
})
