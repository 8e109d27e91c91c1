import { describe, expect, it } from "vitest"
import { isValidConfirmation, signConfirmation } from "../../../src/providers/click/confirmation"

const subject = { cartId: "cart_1", amountTiyin: "5840000", merchantPrepareId: "17" }

describe("confirmation stamp", () => {
  it("verifies only for the same cart, amount, prepared attempt and secret", () => {
    const token = signConfirmation(subject, "secret")
    expect(isValidConfirmation(subject, token, "secret")).toBe(true)
    expect(isValidConfirmation({ ...subject, cartId: "cart_2" }, token, "secret")).toBe(false)
    expect(isValidConfirmation({ ...subject, amountTiyin: "5840001" }, token, "secret")).toBe(false)
    expect(isValidConfirmation({ ...subject, merchantPrepareId: "18" }, token, "secret")).toBe(false)
    expect(isValidConfirmation(subject, token, "other-secret")).toBe(false)
  })

  it("names the attempt by its number: a Complete's \"0017\" stamps what the session's 17 verifies", () => {
    const token = signConfirmation({ ...subject, merchantPrepareId: "0017" }, "secret")
    expect(isValidConfirmation({ ...subject, merchantPrepareId: 17 }, token, "secret")).toBe(true)
    expect(isValidConfirmation({ ...subject, merchantPrepareId: "170" }, token, "secret")).toBe(false)
    expect(isValidConfirmation({ ...subject, merchantPrepareId: "0" }, signConfirmation({ ...subject, merchantPrepareId: "000" }, "secret"), "secret")).toBe(true)
  })

  it("rejects anything that is not the exact token", () => {
    const token = signConfirmation(subject, "secret")
    for (const forged of [undefined, null, 42, "", token.slice(1), token.toUpperCase(), "0".repeat(64)]) {
      expect(isValidConfirmation(subject, forged, "secret")).toBe(false)
    }
  })
})
