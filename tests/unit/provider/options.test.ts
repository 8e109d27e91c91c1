import { describe, expect, it } from "vitest"
import { parseClickOptions, unverifiedPaymentsWarning } from "../../../src/providers/click/options"

const valid = {
  serviceId: "12345",
  merchantId: "23456",
  merchantUserId: "34567",
  secretKey: "s3cret",
}

describe("Click provider options", () => {
  it("applies the documented defaults", () => {
    expect(parseClickOptions(valid)).toEqual({
      ...valid,
      payUrl: "https://my.click.uz/services/pay",
      signTimeToleranceSec: 300,
      signTimeFutureSec: 60,
      cancelOfConfirmedAnswer: -4,
      merchantApiTimeoutMs: 10_000,
      verifyPayments: true,
      partialRefunds: false,
      sandbox: false,
      sandboxPublic: false,
      callbackBaseUrl: "http://localhost:9000",
      reconcileAfterSec: 900,
      reconcileCancelAnswers: 3,
      reconcileCancelSpreadSec: 3600,
      reconcileInProgressHorizonSec: 86_400,
      allowedIps: [],
      trustProxy: false,
      unsignedCallbacksPerMinute: 60,
      statusRequestsPerMinute: 300,
    })
  })

  it("verifies payments with Click unless told not to, and then names the risk", () => {
    expect(unverifiedPaymentsWarning(parseClickOptions(valid))).toBeNull()
    expect(unverifiedPaymentsWarning(parseClickOptions({ ...valid, verifyPayments: "true" }))).toBeNull()
    expect(parseClickOptions({ ...valid, verifyPayments: "false" }).verifyPayments).toBe(false)
    const warning = unverifiedPaymentsWarning(parseClickOptions({ ...valid, verifyPayments: false }))
    expect(warning).toMatch(/"verifyPayments" \(CLICK_VERIFY_PAYMENTS\) is off/)
    expect(warning).toMatch(/does not sign the Complete's "error" field/)
    expect(warning).toMatch(/replay it with error=0 .* order for money never taken/)
    expect(() => parseClickOptions({ ...valid, verifyPayments: "no" })).toThrow(/"verifyPayments" \(CLICK_VERIFY_PAYMENTS\) is invalid/)
  })

  it("in sandbox mode opens this backend's own pay page unless payUrl is given", () => {
    expect(parseClickOptions({ ...valid, sandbox: "true", callbackBaseUrl: "http://127.0.0.1:9123/" }).payUrl).toBe(
      "http://127.0.0.1:9123/click-sandbox/pay"
    )
    expect(parseClickOptions({ ...valid, sandbox: true, payUrl: "https://pay.example/x" }).payUrl).toBe("https://pay.example/x")
  })

  it("reads allowedIps as a list or the environment's comma-separated text, and names a bad entry", () => {
    expect(parseClickOptions({ ...valid, allowedIps: " 203.0.113.0/24, 198.51.100.9 ,," }).allowedIps).toEqual([
      "203.0.113.0/24",
      "198.51.100.9",
    ])
    expect(parseClickOptions({ ...valid, allowedIps: ["2001:db8::/32"] }).allowedIps).toEqual(["2001:db8::/32"])
    expect(() => parseClickOptions({ ...valid, allowedIps: "203.0.113.0/24, click.uz" })).toThrow(
      /"allowedIps" \(CLICK_ALLOWED_IPS\) is invalid \("click.uz" is not an IP address/
    )
    expect(parseClickOptions({ ...valid, trustProxy: "true" }).trustProxy).toBe(true)
  })

  it("reads partialRefunds from the environment's strings, so \"false\" stays off", () => {
    expect(parseClickOptions({ ...valid, partialRefunds: "false" }).partialRefunds).toBe(false)
    expect(parseClickOptions({ ...valid, partialRefunds: "true" }).partialRefunds).toBe(true)
    expect(() => parseClickOptions({ ...valid, partialRefunds: "yes" })).toThrow(/partialRefunds/)
  })

  it("accepts numeric ids and numbers from the environment as strings", () => {
    const options = parseClickOptions({ ...valid, serviceId: 12345, signTimeToleranceSec: "120" })
    expect(options.serviceId).toBe("12345")
    expect(options.signTimeToleranceSec).toBe(120)
  })

  it("refuses to run without a secret key, naming the option and its variable", () => {
    for (const secretKey of [undefined, "", "   "]) {
      expect(() => parseClickOptions({ ...valid, secretKey })).toThrow(
        /Click provider option "secretKey" \(CLICK_SECRET_KEY\) is required/
      )
    }
  })

  it("names every missing id at once", () => {
    expect(() => parseClickOptions({ secretKey: "x" })).toThrow(
      /"serviceId" \(CLICK_SERVICE_ID\) is required; .*"merchantId" \(CLICK_MERCHANT_ID\) is required; .*"merchantUserId"/
    )
  })

  it("rejects ids that are not Click's numbers, unknown card types and other cancel answers", () => {
    expect(() => parseClickOptions({ ...valid, serviceId: "abc" })).toThrow(/"serviceId" \(CLICK_SERVICE_ID\) is invalid/)
    expect(() => parseClickOptions({ ...valid, cardType: "visa" })).toThrow(/"cardType" is invalid/)
    expect(() => parseClickOptions({ ...valid, cancelOfConfirmedAnswer: -5 })).toThrow(/"cancelOfConfirmedAnswer" is invalid/)
    expect(parseClickOptions({ ...valid, cancelOfConfirmedAnswer: -9 }).cancelOfConfirmedAnswer).toBe(-9)
    expect(parseClickOptions({ ...valid, cardType: "humo" }).cardType).toBe("humo")
  })

  it("takes a key rotation only whole: the previous key with the date it stops being accepted", () => {
    const rotation = parseClickOptions({
      ...valid,
      previousSecretKey: "old-key",
      previousSecretKeyUntil: "2026-12-01T00:00:00+05:00",
    })
    expect(rotation.previousSecretKeyUntil?.toISOString()).toBe("2026-11-30T19:00:00.000Z")
    expect(() => parseClickOptions({ ...valid, previousSecretKey: "old-key" })).toThrow(/CLICK_PREVIOUS_SECRET_KEY_UNTIL/)
    expect(() => parseClickOptions({ ...valid, previousSecretKey: "old-key", previousSecretKeyUntil: "soon" })).toThrow(
      /previousSecretKeyUntil/
    )
  })

  it("refuses sandbox mode that points at Click's real pay page or Merchant API, naming the variables to unset", () => {
    const sandbox = { ...valid, sandbox: "true" }
    expect(() => parseClickOptions({ ...sandbox, payUrl: "https://my.click.uz/services/pay" })).toThrow(
      /"sandbox" \(CLICK_SANDBOX\) is on while "payUrl" \(CLICK_PAY_URL\) points at Click's real servers.*Unset CLICK_PAY_URL.*CLICK_SANDBOX=false/
    )
    expect(() => parseClickOptions({ ...sandbox, merchantApiUrl: "https://api.click.uz/v2/merchant/" })).toThrow(
      /"merchantApiUrl" \(CLICK_MERCHANT_API_URL\) points at Click's real servers/
    )
    expect(() =>
      parseClickOptions({ ...sandbox, payUrl: "https://MY.CLICK.UZ./services/pay", merchantApiUrl: "https://api.click.uz/v2/merchant/" })
    ).toThrow(/"payUrl" \(CLICK_PAY_URL\) and "merchantApiUrl" \(CLICK_MERCHANT_API_URL\) point at/)
    // Outside sandbox mode those are the right URLs; in it, the local ones are.
    expect(parseClickOptions({ ...valid, merchantApiUrl: "https://api.click.uz/v2/merchant/" }).merchantApiUrl).toBe(
      "https://api.click.uz/v2/merchant/"
    )
    expect(parseClickOptions({ ...sandbox, merchantApiUrl: "http://127.0.0.1:9999/v2/merchant/", payUrl: "https://notclick.uz/pay" }).sandbox).toBe(true)
  })

  it("reads sandboxPublic from the environment's strings, off by default", () => {
    expect(parseClickOptions({ ...valid, sandbox: "true", sandboxPublic: "true" }).sandboxPublic).toBe(true)
    expect(parseClickOptions({ ...valid, sandbox: "true", sandboxPublic: "false" }).sandboxPublic).toBe(false)
  })
})
