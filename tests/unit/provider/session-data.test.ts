import { MedusaError } from "@medusajs/framework/utils"
import { describe, expect, it } from "vitest"
import { parseClickSessionData, parseClickSessionStamp } from "../../../src/providers/click/session-data"

/** What initiatePayment writes, with what the placement and refunds add. */
const stored = {
  cart_id: "cart_01",
  merchant_trans_id: "cart_01",
  session_id: "payses_01",
  amount: "58400.00",
  amount_tiyin: "5840000",
  currency_code: "uzs",
  payment_url: "https://my.click.uz/services/pay?service_id=1",
  click_confirmation: { merchant_prepare_id: 17, token: "a".repeat(64) },
  click_placed: { order_id: "order_01", paydoc_id: "4001", merchant_prepare_id: 17 },
  click_reversals: [{ amount_tiyin: "100000", at: "2026-12-06T10:00:00.000Z", by: "click" }],
}

function refusal(read: () => unknown): MedusaError {
  try {
    read()
  } catch (error) {
    if (error instanceof MedusaError) return error
    throw error
  }
  throw new Error("read without a refusal")
}

describe("Click session data: one shape, read through one parser", () => {
  it("reads the data the provider writes, with or without the stamps, and keeps nothing it does not know", () => {
    expect(parseClickSessionData(stored)).toEqual(stored)
    const { click_confirmation: _c, click_placed: _p, click_reversals: _r, ...fresh } = stored
    expect(parseClickSessionData({ ...fresh, browser_said: "hello" })).toEqual(fresh)
    expect(parseClickSessionStamp({ cart_id: "cart_01", session_id: "payses_01", click_confirmation: stored.click_confirmation })).toEqual({
      cart_id: "cart_01",
      session_id: "payses_01",
      click_confirmation: stored.click_confirmation,
    })
  })

  it("refuses data of any other shape as NOT_ALLOWED, naming the field: nothing is authorized or refunded with it", () => {
    for (const [malformed, field] of [
      [undefined, "data"],
      [{ ...stored, cart_id: undefined }, "cart_id"],
      [{ ...stored, amount_tiyin: "5840000.5" }, "amount_tiyin"],
      [{ ...stored, currency_code: "usd" }, "currency_code"],
      [{ ...stored, click_confirmation: { merchant_prepare_id: "17", token: "a" } }, "click_confirmation.merchant_prepare_id"],
      [{ ...stored, click_placed: { order_id: "order_01", merchant_prepare_id: 17 } }, "click_placed.paydoc_id"],
      [{ ...stored, click_reversals: [{ amount_tiyin: "-5", at: "x" }] }, "click_reversals.0.amount_tiyin"],
    ] as const) {
      const error = refusal(() => parseClickSessionData(malformed))
      expect(error.type, field).toBe(MedusaError.Types.NOT_ALLOWED)
      expect(error.message).toContain(`(${field}: `)
      expect(error.message).toMatch(/nothing is authorized or refunded/)
    }
    expect(refusal(() => parseClickSessionStamp({ session_id: "payses_01" })).message).toContain("(cart_id: ")
  })
})
