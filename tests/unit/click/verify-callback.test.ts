import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { verifyClickCallback, type CallbackVerificationConfig } from "../../../src/click"

const md5 = (text: string) => createHash("md5").update(text).digest("hex")

const config: CallbackVerificationConfig = {
  serviceId: "39123",
  secretKey: "s3cr3t-KEY",
  signTimeMaxAgeSec: 300,
  signTimeMaxFutureSec: 60,
}

const NOW = new Date("2025-01-01T10:00:30Z")
const FRESH_SIGN_TIME = "2025-01-01 15:00:00" // Tashkent, 30 s before NOW

type Body = Record<string, string | number>

function prepareSign(b: Body, secret = config.secretKey): string {
  return md5(`${b.click_trans_id}${b.service_id}${secret}${b.merchant_trans_id}${b.amount}${b.action}${b.sign_time}`)
}

function completeSign(b: Body, secret = config.secretKey): string {
  return md5(
    `${b.click_trans_id}${b.service_id}${secret}${b.merchant_trans_id}${b.merchant_prepare_id}${b.amount}${b.action}${b.sign_time}`,
  )
}

function prepareBody(overrides: Body = {}): Body {
  const body: Body = {
    click_trans_id: "2001234567",
    service_id: "39123",
    click_paydoc_id: "3001234567",
    merchant_trans_id: "cart_01JABC",
    amount: "38400",
    action: "0",
    error: "0",
    error_note: "Success",
    sign_time: FRESH_SIGN_TIME,
    ...overrides,
  }
  return { ...body, sign_string: prepareSign(body) }
}

function completeBody(overrides: Body = {}): Body {
  const body: Body = {
    click_trans_id: "2001234567",
    service_id: "39123",
    click_paydoc_id: "3001234567",
    merchant_trans_id: "cart_01JABC",
    merchant_prepare_id: "42",
    amount: "38400",
    action: "1",
    error: "0",
    error_note: "Success",
    sign_time: FRESH_SIGN_TIME,
    ...overrides,
  }
  return { ...body, sign_string: completeSign(body) }
}

const verify = (body: unknown, endpoint: "prepare" | "complete") =>
  verifyClickCallback(body, endpoint, config, NOW)

describe("verifyClickCallback: accepted callbacks", () => {
  it("accepts a valid Prepare and returns the parsed request", () => {
    const body = prepareBody()
    expect(verify(body, "prepare")).toEqual({
      ok: true,
      kind: "prepare",
      request: { ...body },
    })
  })

  it("accepts a valid Complete and returns the parsed request", () => {
    const body = completeBody({ error: "-5017", error_note: "Insufficient funds" })
    expect(verify(body, "complete")).toEqual({ ok: true, kind: "complete", request: { ...body } })
  })

  it.each(["38400", "38400.0", "38400.00"])("verifies amount %s as received", (amount) => {
    const result = verify(prepareBody({ amount }), "prepare")
    expect(result.ok && result.request.amount).toBe(amount)
  })

  it("accepts numbers in a JSON body and hashes their String() form", () => {
    const signed = prepareBody({ click_trans_id: "2001234567", service_id: "39123", amount: "38400", action: "0" })
    const json = { ...signed, click_trans_id: 2001234567, service_id: 39123, amount: 38400, action: 0, error: 0 }
    const result = verify(json, "prepare")
    expect(result).toMatchObject({
      ok: true,
      kind: "prepare",
      request: { click_trans_id: "2001234567", service_id: "39123", amount: "38400", action: "0", error: "0" },
    })
  })

  it("drops extra keys and ignores an empty merchant_prepare_id on Prepare", () => {
    const body = { ...prepareBody(), merchant_prepare_id: "", utm_source: "x" }
    const result = verify(body, "prepare")
    expect(result.ok).toBe(true)
    expect(result.ok && Object.keys(result.request).sort()).toEqual(
      [
        "action",
        "amount",
        "click_paydoc_id",
        "click_trans_id",
        "error",
        "error_note",
        "merchant_trans_id",
        "service_id",
        "sign_string",
        "sign_time",
      ].sort(),
    )
  })

  it("accepts a body without a prototype (Node's querystring parser)", () => {
    const body = Object.assign(Object.create(null) as object, prepareBody())
    expect(verify(body, "prepare").ok).toBe(true)
  })

  it("accepts an uppercase sign_string", () => {
    const body = prepareBody()
    expect(verify({ ...body, sign_string: String(body.sign_string).toUpperCase() }, "prepare").ok).toBe(true)
  })
})

describe("verifyClickCallback: -8 for malformed bodies", () => {
  it.each([
    ["null", null],
    ["a string", "click_trans_id=1"],
    ["an array", [prepareBody()]],
    ["a class instance", new Map(Object.entries(prepareBody()))],
    ["a Buffer", Buffer.from("{}")],
  ])("rejects %s as the body", (_label, body) => {
    expect(verify(body, "prepare")).toEqual({
      ok: false,
      error: -8,
      reason: "malformed:body",
      signatureValid: null,
      echo: {},
    })
  })

  it.each([
    ["an array value (repeated form key)", { amount: ["38400", "1"] }],
    ["a nested object value", { amount: { $gt: "0" } }],
    ["a nested object under an unknown key", { meta: { a: 1 } }],
    ["a null value", { error_note: null }],
    ["a boolean value", { error: false }],
  ])("rejects %s", (_label, override) => {
    const result = verify({ ...prepareBody(), ...override }, "prepare")
    expect(result).toMatchObject({ ok: false, error: -8, reason: "malformed:body", signatureValid: null })
  })

  it.each([
    ["click_trans_id", "abc"],
    ["amount", "1e3"],
    ["amount", "38400.000"],
    ["action", "zero"],
    ["sign_string", ""],
    ["merchant_trans_id", ""],
  ])("names the malformed field %s = %j", (field, value) => {
    const result = verify({ ...prepareBody(), [field]: value }, "prepare")
    expect(result).toMatchObject({ ok: false, error: -8, reason: `malformed:${field}`, signatureValid: null })
  })

  it("reports a missing field", () => {
    const { amount: _amount, ...body } = prepareBody()
    expect(verify(body, "prepare")).toMatchObject({ ok: false, error: -8, reason: "malformed:amount" })
  })

  it("rejects an unsafe integer number for click_trans_id (it has already lost precision)", () => {
    const result = verify({ ...prepareBody(), click_trans_id: 2 ** 63 }, "prepare")
    expect(result).toMatchObject({ ok: false, error: -8, reason: "malformed:click_trans_id" })
  })

  it("requires merchant_prepare_id when action is 1, even at the Prepare endpoint", () => {
    const { merchant_prepare_id: _id, ...body } = completeBody()
    expect(verify(body, "complete")).toMatchObject({ error: -8, reason: "malformed:merchant_prepare_id" })
    expect(verify(body, "prepare")).toMatchObject({ error: -8, reason: "malformed:merchant_prepare_id" })
    expect(verify({ ...body, merchant_prepare_id: "" }, "complete")).toMatchObject({
      error: -8,
      reason: "malformed:merchant_prepare_id",
    })
  })

  it("checks malformed fields before the signature", () => {
    const result = verify({ ...prepareBody(), amount: "-1", sign_string: "bad" }, "prepare")
    expect(result).toMatchObject({ error: -8, reason: "malformed:amount", signatureValid: null })
  })
})

describe("verifyClickCallback: -1 for bad signatures", () => {
  it("rejects a Prepare signed with another secret", () => {
    const body = prepareBody()
    const forged = { ...body, sign_string: prepareSign(body, "wrong") }
    expect(verify(forged, "prepare")).toEqual({
      ok: false,
      error: -1,
      reason: "signature",
      signatureValid: false,
      echo: { click_trans_id: "2001234567", merchant_trans_id: "cart_01JABC" },
    })
  })

  it("rejects a tampered amount (the signature covers the exact string)", () => {
    const body = { ...prepareBody({ amount: "38400" }), amount: "38400.00" }
    expect(verify(body, "prepare")).toMatchObject({ error: -1, reason: "signature" })
  })

  it("rejects a Complete with a tampered merchant_prepare_id", () => {
    const body = { ...completeBody(), merchant_prepare_id: "43" }
    expect(verify(body, "complete")).toMatchObject({
      error: -1,
      signatureValid: false,
      echo: { click_trans_id: "2001234567", merchant_trans_id: "cart_01JABC", merchant_prepare_id: "43" },
    })
  })

  it("rejects a Complete signed with the Prepare formula", () => {
    const body = completeBody()
    expect(verify({ ...body, sign_string: prepareSign(body) }, "complete")).toMatchObject({ error: -1 })
  })

  it("checks the signature before service_id, sign_time and action", () => {
    const body = { ...prepareBody({ service_id: "1", sign_time: "2020-01-01 00:00:00", action: "7" }), sign_string: "0".repeat(32) }
    expect(verify(body, "prepare")).toMatchObject({ error: -1, reason: "signature" })
  })

  it("rejects a signature of the wrong length without throwing", () => {
    expect(verify({ ...prepareBody(), sign_string: "abc" }, "prepare")).toMatchObject({ error: -1 })
  })
})

describe("verifyClickCallback: -8 after a valid signature", () => {
  it("rejects a correctly signed body for another service_id", () => {
    expect(verify(prepareBody({ service_id: "39124" }), "prepare")).toMatchObject({
      ok: false,
      error: -8,
      reason: "service_id",
      signatureValid: true,
    })
  })

  it("compares service_id as the exact string", () => {
    expect(verify(prepareBody({ service_id: "039123" }), "prepare")).toMatchObject({ error: -8, reason: "service_id" })
  })

  it("rejects a correctly signed stale sign_time", () => {
    expect(verify(prepareBody({ sign_time: "2025-01-01 14:54:00" }), "prepare")).toMatchObject({
      error: -8,
      reason: "sign_time:stale",
      signatureValid: true,
    })
  })

  it("hands back what a correctly signed stale callback for this endpoint says, to be answered from the stored state", () => {
    const result = verify(completeBody({ sign_time: "2025-01-01 14:54:00", error: "-5017" }), "complete")
    expect(result).toMatchObject({
      ok: false,
      error: -8,
      reason: "sign_time:stale",
      late: { kind: "complete", request: { merchant_prepare_id: "42", error: "-5017", merchant_trans_id: "cart_01JABC" } },
    })
  })

  it("hands back nothing of a stale callback for the other endpoint, a forged one or a fresh rejection", () => {
    const stale = "2025-01-01 14:54:00"
    expect(verify(completeBody({ sign_time: stale }), "prepare")).not.toHaveProperty("late")
    expect(verify({ ...completeBody({ sign_time: stale }), sign_string: "0".repeat(32) }, "complete")).not.toHaveProperty("late")
    expect(verify(completeBody({ sign_time: "2025-01-01 15:02:00" }), "complete")).not.toHaveProperty("late")
    expect(verify(completeBody({ service_id: "99999" }), "complete")).not.toHaveProperty("late")
  })

  it("rejects a correctly signed sign_time too far in the future", () => {
    expect(verify(completeBody({ sign_time: "2025-01-01 15:02:00" }), "complete")).toMatchObject({
      error: -8,
      reason: "sign_time:future",
    })
  })

  it("rejects a correctly signed malformed sign_time", () => {
    expect(verify(prepareBody({ sign_time: "2025-01-01T15:00:00" }), "prepare")).toMatchObject({
      error: -8,
      reason: "sign_time:malformed",
    })
  })

  it("accepts sign_time within the window on both sides", () => {
    expect(verify(prepareBody({ sign_time: "2025-01-01 14:55:30" }), "prepare").ok).toBe(true)
    expect(verify(prepareBody({ sign_time: "2025-01-01 15:01:30" }), "prepare").ok).toBe(true)
  })

  it("checks service_id before sign_time", () => {
    const body = prepareBody({ service_id: "1", sign_time: "2020-01-01 00:00:00" })
    expect(verify(body, "prepare")).toMatchObject({ error: -8, reason: "service_id" })
  })

  it("checks sign_time before action", () => {
    const body = prepareBody({ sign_time: "2020-01-01 00:00:00", action: "7" })
    expect(verify(body, "prepare")).toMatchObject({ error: -8, reason: "sign_time:stale" })
  })
})

describe("verifyClickCallback: -3 for the wrong action", () => {
  it("rejects a correctly signed Complete (action 1) sent to the Prepare endpoint", () => {
    expect(verify(completeBody(), "prepare")).toEqual({
      ok: false,
      error: -3,
      reason: "action",
      signatureValid: true,
      echo: { click_trans_id: "2001234567", merchant_trans_id: "cart_01JABC", merchant_prepare_id: "42" },
    })
  })

  it("rejects a correctly signed Prepare (action 0) sent to the Complete endpoint", () => {
    expect(verify(prepareBody(), "complete")).toMatchObject({ error: -3, reason: "action", signatureValid: true })
  })

  it.each(["7", "2", "-1", "00"])("rejects a correctly signed action %s at the Prepare endpoint", (action) => {
    expect(verify(prepareBody({ action }), "prepare")).toMatchObject({ error: -3, reason: "action" })
  })

  it("signs an unknown action with the endpoint's formula", () => {
    expect(verify(completeBody({ action: "7" }), "complete")).toMatchObject({ error: -3, signatureValid: true })
    const signedAsPrepare = prepareBody({ action: "7", merchant_prepare_id: "42" })
    expect(verify(signedAsPrepare, "complete")).toMatchObject({ error: -1 })
  })
})

describe("verifyClickCallback: echo", () => {
  it("echoes numeric ids from JSON bodies as strings", () => {
    const result = verify({ click_trans_id: 2001234567, merchant_prepare_id: 42, merchant_trans_id: "cart" }, "complete")
    expect(result).toMatchObject({
      ok: false,
      error: -8,
      echo: { click_trans_id: "2001234567", merchant_prepare_id: "42", merchant_trans_id: "cart" },
    })
  })

  it("leaves out ids that are empty, too long or not strings", () => {
    const result = verify(
      { click_trans_id: "", merchant_trans_id: "x".repeat(256), merchant_prepare_id: ["1"] },
      "complete",
    )
    expect(result).toMatchObject({ ok: false, error: -8, echo: {} })
    expect(result.ok === false && result.echo).toEqual({})
  })

  it("never puts the secret or the sign_string into the reason", () => {
    const body = prepareBody()
    const forged = { ...body, sign_string: prepareSign(body, "wrong") }
    const result = verify(forged, "prepare")
    expect(result.ok).toBe(false)
    const text = JSON.stringify(result)
    expect(text).not.toContain(config.secretKey)
    expect(text).not.toContain(String(forged.sign_string))
  })
})

describe("verifyClickCallback: default clock", () => {
  it("uses the current time when none is given", () => {
    const now = new Date()
    const signTime = new Date(now.getTime() + 5 * 3600_000).toISOString().slice(0, 19).replace("T", " ")
    const result = verifyClickCallback(prepareBody({ sign_time: signTime }), "prepare", config)
    expect(result.ok).toBe(true)
  })
})

describe("secret key rotation", () => {
  const OLD = "old-s3cr3t"
  const rotating: CallbackVerificationConfig = {
    ...config,
    previousSecretKey: OLD,
    previousSecretKeyUntil: new Date("2025-01-01T12:00:00Z"),
  }
  const signedWith = (secret: string) => {
    const body = prepareBody()
    return { ...body, sign_string: prepareSign(body, secret) }
  }

  it("accepts the new key, and the old one only until previousSecretKeyUntil", () => {
    expect(verifyClickCallback(signedWith(config.secretKey), "prepare", rotating, NOW).ok).toBe(true)
    expect(verifyClickCallback(signedWith(OLD), "prepare", rotating, NOW).ok).toBe(true)
    const after = new Date("2025-01-01T12:00:00Z")
    expect(verifyClickCallback(signedWith(OLD), "prepare", rotating, after)).toMatchObject({ ok: false, error: -1 })
  })

  it("never accepts a key that is neither, nor the old key without a rotation configured", () => {
    expect(verifyClickCallback(signedWith("other"), "prepare", rotating, NOW)).toMatchObject({ ok: false, error: -1 })
    expect(verifyClickCallback(signedWith(OLD), "prepare", config, NOW)).toMatchObject({ ok: false, error: -1 })
    expect(
      verifyClickCallback(signedWith(OLD), "prepare", { ...config, previousSecretKey: OLD }, NOW)
    ).toMatchObject({ ok: false, error: -1 })
  })
})
