import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { ClickMerchantApiClient, isCredentialsRefusal, isExplicitNotFound, wordOfLookupFailure } from "../../../src/click"
import { clickPaymentNumber } from "../../../src/payments/click-payment-number"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../harness/merchant-api-faults"

const credentials = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
// 00:00:30 on 16 March in Tashkent (UTC+5): the neighbour across the nearer midnight is 15 March.
const preparedAt = "2025-03-15T19:00:30Z"

/**
 * Click's payment number for an attempt Click sent no click_paydoc_id for:
 * looked up by cart on the candidate days, where only Click's explicit "not
 * found" moves on to the other day. Reconciliation and placement both read it.
 */
describe("clickPaymentNumber against the Merchant API double", () => {
  let double: MerchantApiDoubleWithFaults
  let api: ClickMerchantApiClient
  beforeEach(async () => {
    double = await startMerchantApiDoubleWithFaults(credentials)
    api = new ClickMerchantApiClient({ ...credentials, baseUrl: double.url, retries: 0, timeoutMs: 10_000 })
  })
  afterEach(async () => {
    await double.stop()
  })

  const attempt = (cartId: string) => ({ click_paydoc_id: null, merchant_trans_id: cartId, created_at: preparedAt })
  const failure = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error)

  it("the click_paydoc_id Click sent, without asking", async () => {
    const nowhere = new ClickMerchantApiClient({ ...credentials, baseUrl: "http://127.0.0.1:9/v2/merchant/", retries: 0 })
    expect(await clickPaymentNumber(nowhere, { ...attempt("cart_a"), click_paydoc_id: "1000000009" })).toBe("1000000009")
  })

  it("finds a payment Click filed on the day before the Prepare's, just before midnight", async () => {
    double.registerPayment({
      payment_id: "1000000001",
      merchant_trans_id: "cart_a",
      amount_tiyin: "100000",
      created_at: "2025-03-15T18:59:50Z",
    })
    expect(await clickPaymentNumber(api, attempt("cart_a"))).toBe("1000000001")
  })

  it("not found on both days: Click's explicit not-found", async () => {
    const error = await failure(clickPaymentNumber(api, attempt("cart_unknown")))
    expect(isExplicitNotFound(error)).toBe(true)
    expect(wordOfLookupFailure(error)).toMatchObject({ word: "no" })
  })

  it("401/403 or a 5xx on the first day is thrown as it is: never the other day's not-found", async () => {
    for (const fault of [
      { kind: "click_error", http_status: 401, error_code: -401, error_note: "Authorization failed" },
      { kind: "click_error", http_status: 403, error_code: -403, error_note: "Access denied" },
      { kind: "http_error", http_status: 502 },
    ] as const) {
      double.injectFault({ endpoint: "payment/status_by_mti", ...fault })
      const error = await failure(clickPaymentNumber(api, attempt("cart_unknown")))
      expect(isExplicitNotFound(error), JSON.stringify(fault)).toBe(false)
      expect(wordOfLookupFailure(error)).toMatchObject({ word: "none", credentials: fault.http_status !== 502 })
      expect(isCredentialsRefusal(error)).toBe(fault.http_status !== 502)
    }
  })
})
