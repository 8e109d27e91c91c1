import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import { buildMerchantAuthHeader, verifyMerchantAuthHeader } from "../../../src/click"

const sha1 = (text: string) => createHash("sha1").update(text).digest("hex")

const credentials = { merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
const now = new Date("2025-03-10T09:12:23.987Z") // 1741597943.987
const verification = { ...credentials, now, maxSkewSec: 300 }

describe("buildMerchantAuthHeader", () => {
  it("is merchant_user_id:sha1(timestamp + secret_key):timestamp with 10-digit seconds", () => {
    expect(buildMerchantAuthHeader(credentials, now)).toBe(
      `34567:${sha1("1741597943" + "s3cr3t-KEY")}:1741597943`,
    )
  })

  it("is accepted by the verifier", () => {
    expect(verifyMerchantAuthHeader(buildMerchantAuthHeader(credentials, now), verification)).toBe("ok")
  })
})

describe("verifyMerchantAuthHeader", () => {
  const header = (timestamp: number, secret = credentials.secretKey, user = credentials.merchantUserId) =>
    `${user}:${sha1(timestamp + secret)}:${timestamp}`

  it.each([
    [undefined, "missing"],
    ["", "missing"],
    ["34567", "malformed"],
    [`34567:${sha1("x")}`, "malformed"],
    [`34567:${sha1("x")}:174159794`, "malformed"],
    [`34567:${sha1("x").slice(1)}:1741597943`, "malformed"],
    [`34567:${sha1("x")}:1741597943:extra`, "malformed"],
    [`:${sha1("x")}:1741597943`, "malformed"],
  ])("%j → %s", (value, expected) => {
    expect(verifyMerchantAuthHeader(value, verification)).toBe(expected)
  })

  it("names a wrong user, a wrong secret and a stale timestamp", () => {
    expect(verifyMerchantAuthHeader(header(1741597943, credentials.secretKey, "99999"), verification)).toBe(
      "unknown_user",
    )
    expect(verifyMerchantAuthHeader(header(1741597943, "wrong"), verification)).toBe("bad_digest")
    expect(verifyMerchantAuthHeader(header(1741597943 - 301), verification)).toBe("stale")
    expect(verifyMerchantAuthHeader(header(1741597943 + 301), verification)).toBe("stale")
  })

  it("accepts a timestamp within the window either way, and an uppercase digest", () => {
    expect(verifyMerchantAuthHeader(header(1741597943 - 299), verification)).toBe("ok")
    expect(verifyMerchantAuthHeader(header(1741597943 + 300), verification)).toBe("ok")
    expect(verifyMerchantAuthHeader(header(1741597943).toUpperCase(), verification)).toBe("ok")
  })
})
