import { describe, expect, it } from "vitest"
import { completeRequestSchema, prepareRequestSchema } from "../../../src/click"

const prepareBody = {
  click_trans_id: "2001234567",
  service_id: "39123",
  click_paydoc_id: "3001234567",
  merchant_trans_id: "cart_01JABC",
  amount: "38400.0",
  action: "0",
  error: "0",
  error_note: "Success",
  sign_time: "2025-01-01 15:00:00",
  sign_string: "0123456789abcdef0123456789abcdef",
}

const completeBody = { ...prepareBody, action: "1", merchant_prepare_id: "42" }

function firstIssuePath(result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) {
  return result.error?.issues[0]?.path.join(".")
}

describe("prepareRequestSchema", () => {
  it("keeps every string exactly as received", () => {
    expect(prepareRequestSchema.parse(prepareBody)).toEqual(prepareBody)
  })

  it("drops unknown keys and an empty merchant_prepare_id", () => {
    const parsed = prepareRequestSchema.parse({ ...prepareBody, merchant_prepare_id: "", extra: "x" })
    expect(parsed).toEqual(prepareBody)
    expect(Object.keys(parsed)).not.toContain("merchant_prepare_id")
    expect(Object.keys(parsed)).not.toContain("extra")
  })

  it("defaults Prepare's error to \"0\" and leaves optional fields out", () => {
    const { error: _error, error_note: _note, click_paydoc_id: _paydoc, ...minimal } = prepareBody
    const parsed = prepareRequestSchema.parse(minimal)
    expect(parsed.error).toBe("0")
    expect(parsed.error_note).toBeUndefined()
    expect(parsed.click_paydoc_id).toBeUndefined()
  })

  it("converts integer numbers from JSON bodies with String()", () => {
    const parsed = prepareRequestSchema.parse({
      ...prepareBody,
      click_trans_id: 2001234567,
      service_id: 39123,
      amount: 38400,
      action: 0,
      error: -5017,
    })
    expect(parsed.click_trans_id).toBe("2001234567")
    expect(parsed.service_id).toBe("39123")
    expect(parsed.amount).toBe("38400")
    expect(parsed.action).toBe("0")
    expect(parsed.error).toBe("-5017")
  })

  it.each([
    ["amount", 38400.5],
    ["click_trans_id", 2 ** 60],
    ["click_trans_id", Number.NaN],
    ["service_id", Number.POSITIVE_INFINITY],
  ])("rejects the number %s = %s", (field, value) => {
    const result = prepareRequestSchema.safeParse({ ...prepareBody, [field]: value })
    expect(result.success).toBe(false)
    expect(firstIssuePath(result)).toBe(field)
  })

  it.each([
    ["click_trans_id", ""],
    ["click_trans_id", "12a"],
    ["click_trans_id", "-1"],
    ["click_trans_id", "1".repeat(20)],
    ["service_id", " 39123"],
    ["click_paydoc_id", ""],
    ["merchant_trans_id", ""],
    ["merchant_trans_id", "x".repeat(256)],
    ["merchant_trans_id", "cart\n1"],
    ["merchant_trans_id", "cart\u00001"],
    ["amount", "38400.000"],
    ["amount", "1e3"],
    ["amount", "-1"],
    ["amount", ""],
    ["action", "abc"],
    ["action", "12345"],
    ["action", ""],
    ["action", "0 "],
    ["error", "x"],
    ["error", "-12345678901"],
    ["error_note", "x".repeat(1025)],
    ["sign_time", "2025-01-01 15:00:00.000"],
    ["sign_string", ""],
    ["sign_string", "a".repeat(65)],
    ["sign_string", null],
    ["amount", ["1", "2"]],
    ["amount", { value: "1" }],
    ["amount", true],
  ])("rejects %s = %j", (field, value) => {
    const result = prepareRequestSchema.safeParse({ ...prepareBody, [field]: value })
    expect(result.success).toBe(false)
    expect(firstIssuePath(result)).toBe(field)
  })

  it.each(["click_trans_id", "service_id", "merchant_trans_id", "amount", "action", "sign_time", "sign_string"])(
    "requires %s",
    (field) => {
      const body: Record<string, unknown> = { ...prepareBody }
      delete body[field]
      const result = prepareRequestSchema.safeParse(body)
      expect(firstIssuePath(result)).toBe(field)
    },
  )

  it("accepts action values that are well-formed but unknown", () => {
    expect(prepareRequestSchema.parse({ ...prepareBody, action: "-12" }).action).toBe("-12")
    expect(prepareRequestSchema.parse({ ...prepareBody, action: "7" }).action).toBe("7")
  })

  it("accepts non-ASCII printable merchant_trans_id", () => {
    expect(prepareRequestSchema.parse({ ...prepareBody, merchant_trans_id: "заказ №1" }).merchant_trans_id).toBe(
      "заказ №1",
    )
  })
})

describe("completeRequestSchema", () => {
  it("keeps merchant_prepare_id", () => {
    expect(completeRequestSchema.parse(completeBody)).toEqual(completeBody)
    expect(completeRequestSchema.parse({ ...completeBody, merchant_prepare_id: 42 }).merchant_prepare_id).toBe("42")
  })

  it.each(["12345678901", "123456789012", "1".repeat(25)])("keeps an all-digit merchant_prepare_id of any length: %s", (value) => {
    expect(completeRequestSchema.parse({ ...completeBody, merchant_prepare_id: value }).merchant_prepare_id).toBe(value)
  })

  it.each([undefined, "", "abc", "-1", "4.2", "１２"])("rejects merchant_prepare_id %j", (value) => {
    const result = completeRequestSchema.safeParse({ ...completeBody, merchant_prepare_id: value })
    expect(result.success).toBe(false)
    expect(firstIssuePath(result)).toBe("merchant_prepare_id")
  })

  it("requires error: a Complete that does not say whether the card was debited is malformed", () => {
    const { error: _error, ...withoutError } = completeBody
    const result = completeRequestSchema.safeParse(withoutError)
    expect(result.success).toBe(false)
    expect(firstIssuePath(result)).toBe("error")
  })
})
