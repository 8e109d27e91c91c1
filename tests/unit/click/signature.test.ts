import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import {
  signComplete,
  signPrepare,
  verifyCompleteSignature,
  verifyPrepareSignature,
} from "../../../src/click"

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

const SECRET = "s3cr3t-KEY"

const prepare = (amount: string) => ({
  click_trans_id: "2001234567",
  service_id: "39123",
  merchant_trans_id: "cart_01JABC",
  amount,
  action: "0",
  sign_time: "2025-01-01 15:00:00",
})

const complete = (amount: string) => ({
  ...prepare(amount),
  action: "1",
  merchant_prepare_id: "42",
})

// Expected values are the literal concatenations from Click's documentation.
const PREPARE_VECTORS = {
  "38400": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "38400" + "0" + "2025-01-01 15:00:00"),
  "38400.0": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "38400.0" + "0" + "2025-01-01 15:00:00"),
  "38400.00": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "38400.00" + "0" + "2025-01-01 15:00:00"),
}

const COMPLETE_VECTORS = {
  "38400": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "42" + "38400" + "1" + "2025-01-01 15:00:00"),
  "38400.0": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "42" + "38400.0" + "1" + "2025-01-01 15:00:00"),
  "38400.00": md5("2001234567" + "39123" + "s3cr3t-KEY" + "cart_01JABC" + "42" + "38400.00" + "1" + "2025-01-01 15:00:00"),
}

const AMOUNTS = ["38400", "38400.0", "38400.00"] as const

describe("signPrepare / signComplete", () => {
  it.each(AMOUNTS)("Prepare with amount %s matches the documented formula", (amount) => {
    expect(signPrepare(prepare(amount), SECRET)).toBe(PREPARE_VECTORS[amount])
  })

  it.each(AMOUNTS)("Complete with amount %s matches the documented formula", (amount) => {
    expect(signComplete(complete(amount), SECRET)).toBe(COMPLETE_VECTORS[amount])
  })

  it("hashes each amount spelling differently", () => {
    expect(new Set(Object.values(PREPARE_VECTORS)).size).toBe(3)
    expect(new Set(Object.values(COMPLETE_VECTORS)).size).toBe(3)
  })

  it("produces lowercase hex", () => {
    expect(signPrepare(prepare("38400"), SECRET)).toMatch(/^[0-9a-f]{32}$/)
  })

  it("hashes non-ASCII merchant_trans_id as UTF-8", () => {
    const fields = { ...prepare("1"), merchant_trans_id: "заказ-1" }
    expect(signPrepare(fields, SECRET)).toBe(
      md5("2001234567" + "39123" + "s3cr3t-KEY" + "заказ-1" + "1" + "0" + "2025-01-01 15:00:00"),
    )
  })
})

describe("verifyPrepareSignature", () => {
  it.each(AMOUNTS)("accepts amount %s only with its own signature", (amount) => {
    for (const signed of AMOUNTS) {
      const valid = verifyPrepareSignature(
        { ...prepare(amount), sign_string: PREPARE_VECTORS[signed] },
        SECRET,
      )
      expect(valid).toBe(signed === amount)
    }
  })

  it("rejects a wrong secret", () => {
    const body = { ...prepare("38400"), sign_string: PREPARE_VECTORS["38400"] }
    expect(verifyPrepareSignature(body, "s3cr3t-KEY ")).toBe(false)
    expect(verifyPrepareSignature(body, "")).toBe(false)
  })

  it.each([
    ["click_trans_id", "2001234568"],
    ["service_id", "39124"],
    ["merchant_trans_id", "cart_01JABD"],
    ["amount", "38401"],
    ["action", "1"],
    ["sign_time", "2025-01-01 15:00:01"],
  ])("rejects a tampered %s", (field, value) => {
    const body = { ...prepare("38400"), [field]: value, sign_string: PREPARE_VECTORS["38400"] }
    expect(verifyPrepareSignature(body, SECRET)).toBe(false)
  })

  it("accepts an uppercase hex signature", () => {
    const body = { ...prepare("38400"), sign_string: PREPARE_VECTORS["38400"].toUpperCase() }
    expect(verifyPrepareSignature(body, SECRET)).toBe(true)
  })

  it.each([
    ["empty", ""],
    ["too short", PREPARE_VECTORS["38400"].slice(0, 31)],
    ["too long", PREPARE_VECTORS["38400"] + "0"],
    ["non-hex of the right length", "z".repeat(32)],
    ["padded", ` ${PREPARE_VECTORS["38400"]}`],
    ["a 64-char sha256-looking value", "a".repeat(64)],
    ["multi-byte characters", "é".repeat(32)],
    ["a character that lowercases to two", "İ".repeat(32)],
  ])("returns false without throwing for %s", (_label, signString) => {
    const body = { ...prepare("38400"), sign_string: signString }
    expect(() => verifyPrepareSignature(body, SECRET)).not.toThrow()
    expect(verifyPrepareSignature(body, SECRET)).toBe(false)
  })
})

describe("verifyCompleteSignature", () => {
  it.each(AMOUNTS)("accepts amount %s only with its own signature", (amount) => {
    for (const signed of AMOUNTS) {
      const valid = verifyCompleteSignature(
        { ...complete(amount), sign_string: COMPLETE_VECTORS[signed] },
        SECRET,
      )
      expect(valid).toBe(signed === amount)
    }
  })

  it("rejects a tampered merchant_prepare_id", () => {
    const body = { ...complete("38400"), merchant_prepare_id: "43", sign_string: COMPLETE_VECTORS["38400"] }
    expect(verifyCompleteSignature(body, SECRET)).toBe(false)
  })

  it("rejects a Prepare-formula signature on Complete fields", () => {
    const fields = complete("38400")
    const prepareStyle = md5(
      fields.click_trans_id + fields.service_id + SECRET + fields.merchant_trans_id + fields.amount + fields.action + fields.sign_time,
    )
    expect(verifyCompleteSignature({ ...fields, sign_string: prepareStyle }, SECRET)).toBe(false)
  })

  it("rejects a wrong secret and accepts uppercase hex", () => {
    const sign_string = COMPLETE_VECTORS["38400"]
    expect(verifyCompleteSignature({ ...complete("38400"), sign_string }, "other")).toBe(false)
    expect(verifyCompleteSignature({ ...complete("38400"), sign_string: sign_string.toUpperCase() }, SECRET)).toBe(true)
  })

  it("returns false for a wrong length without throwing", () => {
    const body = { ...complete("38400"), sign_string: "abc" }
    expect(verifyCompleteSignature(body, SECRET)).toBe(false)
  })
})
