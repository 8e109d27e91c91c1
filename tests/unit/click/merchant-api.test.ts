import { createHash } from "node:crypto"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import {
  backoffDelayMs,
  ClickMerchantApiClient,
  ClickMerchantApiError,
  CLICK_MERCHANT_API_URL,
  type ClickMerchantApiOptions,
} from "../../../src/click"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../harness/merchant-api-faults"
import { PAYMENT_STATUS_REVERSED } from "../../../src/sandbox/merchant-api-ledger"

const credentials = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
const paid = { payment_id: "1000000001", merchant_trans_id: "cart_01", amount_tiyin: "1000000" }

describe("backoffDelayMs (full jitter)", () => {
  const limits = { baseDelayMs: 500, maxDelayMs: 5000 }

  it.each([
    [0, 0.5, 250],
    [1, 0.5, 500],
    [2, 0.5, 1000],
    [3, 0.5, 2000],
    [4, 0.5, 2500], // capped: min(5000, 8000) × 0.5
    [30, 0.999, 4995],
    [3, 0, 0],
  ])("retry %i with random %f → %i ms", (retry, random, expected) => {
    expect(backoffDelayMs(retry, limits, random)).toBe(expected)
  })
})

describe("ClickMerchantApiClient defaults", () => {
  it("talks to Click's production API unless told otherwise", () => {
    expect(CLICK_MERCHANT_API_URL).toBe("https://api.click.uz/v2/merchant/")
  })
})

describe("ClickMerchantApiClient against the Merchant API double", () => {
  let double: MerchantApiDoubleWithFaults
  let sleeps: number[]
  let requests: { url: string; method: string; headers: Record<string, string> }[]

  beforeEach(async () => {
    double = await startMerchantApiDoubleWithFaults(credentials)
    double.registerPayment(paid)
    sleeps = []
    requests = []
  })

  afterEach(async () => {
    await double.stop()
  })

  // Real fetch over real HTTP; the wrapper only notes what was sent.
  const recordingFetch: typeof fetch = (input, init) => {
    requests.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: init?.headers as Record<string, string>,
    })
    return fetch(input, init)
  }

  function client(overrides: Partial<ClickMerchantApiOptions> = {}): ClickMerchantApiClient {
    return new ClickMerchantApiClient({
      ...credentials,
      baseUrl: double.url,
      fetch: recordingFetch,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
      ...overrides,
    })
  }

  async function failure(promise: Promise<unknown>): Promise<ClickMerchantApiError> {
    const error = await promise.then(
      () => expect.unreachable("the call should have failed"),
      (error: unknown) => error,
    )
    expect(error).toBeInstanceOf(ClickMerchantApiError)
    return error as ClickMerchantApiError
  }

  it("sends Click's headers, signed with sha1(timestamp + secret_key)", async () => {
    const now = new Date()
    await client({ now: () => now }).paymentStatus(paid.payment_id)
    const timestamp = String(Math.floor(now.getTime() / 1000))
    const digest = createHash("sha1").update(timestamp + credentials.secretKey).digest("hex")
    expect(requests).toEqual([
      {
        url: `${double.url}payment/status/39123/1000000001`,
        method: "GET",
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          Auth: `34567:${digest}:${timestamp}`,
        },
      },
    ])
  })

  it("reads payment/status", async () => {
    expect(await client().paymentStatus(paid.payment_id)).toEqual({
      paymentId: "1000000001",
      paymentStatus: 2,
      errorNote: "Success",
    })
  })

  it("accepts a base URL without the trailing slash", async () => {
    const withoutSlash = client({ baseUrl: double.url.replace(/\/$/, "") })
    expect((await withoutSlash.paymentStatus(paid.payment_id)).paymentStatus).toBe(2)
  })

  it("finds a payment by merchant_trans_id on the Tashkent day, also just after midnight", async () => {
    // 00:30 on March 10 in Tashkent is still March 9 in UTC.
    const createdAt = new Date("2025-03-09T19:30:00Z")
    const payment = double.registerPayment({
      merchant_trans_id: "order/7 #ü",
      amount_tiyin: "500",
      created_at: createdAt,
    })
    expect(await client().paymentStatusByMerchantTransId("order/7 #ü", createdAt)).toEqual({
      paymentId: payment.payment_id,
      merchantTransId: "order/7 #ü",
    })
    expect(requests[0].url).toBe(
      `${double.url}payment/status_by_mti/39123/order%2F7%20%23%C3%BC/2025-03-10`,
    )

    const error = await failure(
      client().paymentStatusByMerchantTransId("order/7 #ü", new Date("2025-03-09T18:59:59Z")),
    )
    expect(requests[1].url).toMatch(/\/2025-03-09$/)
    expect(error).toMatchObject({ kind: "refused", httpStatus: 404, errorCode: -404, attempts: 1 })
  })

  it("reverses a payment, once", async () => {
    await client().reversePayment(paid.payment_id)
    expect(requests[0]).toMatchObject({ method: "DELETE", url: `${double.url}payment/reversal/39123/1000000001` })
    expect(double.payment(paid.payment_id)).toMatchObject({
      status: PAYMENT_STATUS_REVERSED,
      reversals: [{ amount_tiyin: "1000000" }],
    })

    const again = await failure(client().reversePayment(paid.payment_id))
    expect(again).toMatchObject({
      kind: "refused",
      endpoint: "payment/reversal",
      errorCode: -32,
      errorNote: "Reversal not allowed: payment already reversed",
      httpStatus: 200,
      attempts: 1,
    })
    expect(again.message).toBe(
      "Click Merchant API payment/reversal refused the request: error_code -32 (Reversal not allowed: payment already reversed)",
    )
  })

  it("partially reverses an amount given in tiyin, sent as soums with two decimals", async () => {
    await client().partiallyReversePayment(paid.payment_id, 12_550n)
    expect(requests[0]).toMatchObject({
      method: "DELETE",
      url: `${double.url}payment/partial_reversal/39123/1000000001/125.50`,
    })
    expect(double.payment(paid.payment_id)).toMatchObject({ status: 2, reversals: [{ amount_tiyin: "12550" }] })

    const tooMuch = await failure(client().partiallyReversePayment(paid.payment_id, 1_000_000n))
    expect(tooMuch).toMatchObject({ kind: "refused", errorCode: -34 })
  })

  it("reports a wrong secret as a refused Auth header, without saying the secret", async () => {
    const error = await failure(client({ secretKey: "not-the-secret" }).paymentStatus(paid.payment_id))
    expect(error).toMatchObject({ kind: "refused", httpStatus: 401, errorCode: -401, attempts: 1 })
    expect(error.message).toMatch(/rejected the Auth header \(HTTP 401.*check merchantUserId, secretKey/)
    expect(JSON.stringify({ ...error, message: error.message })).not.toMatch(/not-the-secret|s3cr3t-KEY/)
    expect(sleeps).toEqual([])
  })

  it("retries HTTP 5xx with jittered exponential backoff, then succeeds", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "http_error", times: 2 })
    expect((await client().paymentStatus(paid.payment_id)).paymentStatus).toBe(2)
    expect(requests).toHaveLength(3)
    expect(sleeps).toEqual([250, 500])
  })

  it("gives up after the retries as unavailable", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "http_error", http_status: 502, times: 10 })
    const error = await failure(client({ retries: 2 }).paymentStatus(paid.payment_id))
    expect(error).toMatchObject({ kind: "unavailable", httpStatus: 502, attempts: 3 })
    expect(error.message).toBe("Click Merchant API payment/status answered HTTP 502 (after 3 attempts)")
    expect(sleeps).toEqual([250, 500])
  })

  it("never retries a refusal", async () => {
    double.injectFault({
      endpoint: "payment/reversal",
      kind: "click_error",
      error_code: -35,
      error_note: "Reversal not allowed",
      http_status: 406,
    })
    const error = await failure(client().reversePayment(paid.payment_id))
    expect(error).toMatchObject({ kind: "refused", errorCode: -35, errorNote: "Reversal not allowed", httpStatus: 406 })
    expect(double.reversalCalls(paid.payment_id)).toBe(1)
    expect(sleeps).toEqual([])
  })

  it("times out a request that hangs", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "hang", ms: 2_000 })
    const started = Date.now()
    const error = await failure(client({ timeoutMs: 50, retries: 0 }).paymentStatus(paid.payment_id))
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(error).toMatchObject({ kind: "unavailable", httpStatus: null, errorCode: null, attempts: 1 })
    expect(error.message).toBe("Click Merchant API payment/status did not answer within 50 ms")
  })

  it("never repeats a reversal that timed out: the error says it may have reached Click", async () => {
    // Click acts on the request, but answers after the client gave up on it.
    double.injectFault({ endpoint: "payment/reversal", kind: "hang", ms: 200 })
    const error = await failure(client({ timeoutMs: 50 }).reversePayment(paid.payment_id))
    expect(error).toMatchObject({ kind: "unavailable", attempts: 1, mayHaveReachedClick: true })
    expect(sleeps).toEqual([])
    // The held request is handled once its hang ends: Click reversed it, and only once.
    await vi.waitFor(
      () =>
        expect(double.payment(paid.payment_id)).toMatchObject({
          status: PAYMENT_STATUS_REVERSED,
          reversals: [{ amount_tiyin: "1000000" }],
        }),
      { timeout: 10_000, interval: 20 }
    )
    expect(double.reversalCalls(paid.payment_id)).toBe(1)
  })

  it("never repeats a reversal whose answer is lost after Click acted (a reset connection, a proxy's 502)", async () => {
    for (const as of ["reset", "http_502"] as const) {
      const payment = double.registerPayment({ merchant_trans_id: `cart_lost_${as}`, amount_tiyin: "5000" })
      double.injectFault({ endpoint: "payment/reversal", kind: "lost_answer", as })
      const error = await failure(client().reversePayment(payment.payment_id))
      expect(error).toMatchObject({ kind: "unavailable", attempts: 1, mayHaveReachedClick: true })
      expect(double.reversalCalls(payment.payment_id)).toBe(1)
      expect(double.payment(payment.payment_id)).toMatchObject({ status: PAYMENT_STATUS_REVERSED, reversals: [{ amount_tiyin: "5000" }] })
    }
  })

  it("does not repeat a partial reversal whose outcome is unknown", async () => {
    double.injectFault({ endpoint: "payment/partial_reversal", kind: "hang", ms: 200 })
    const error = await failure(client({ timeoutMs: 50 }).partiallyReversePayment(paid.payment_id, 100n))
    expect(error).toMatchObject({ kind: "unavailable", attempts: 1 })
    await vi.waitFor(
      () => expect(double.payment(paid.payment_id)?.reversals).toEqual([{ amount_tiyin: "100", at: expect.any(String) }]),
      { timeout: 10_000, interval: 20 }
    )

    double.injectFault({ endpoint: "payment/partial_reversal", kind: "http_error" })
    expect(await failure(client().partiallyReversePayment(paid.payment_id, 100n))).toMatchObject({
      kind: "unavailable",
      httpStatus: 503,
      attempts: 1,
    })
    expect(double.reversalCalls(paid.payment_id)).toBe(2)
  })

  it("retries every call, partial reversals too, when Click cannot be reached", async () => {
    const stopped = double.url
    await double.stop()
    const offline = client({ baseUrl: stopped, retries: 2 })
    for (const call of [
      () => offline.paymentStatus(paid.payment_id),
      () => offline.partiallyReversePayment(paid.payment_id, 100n),
    ]) {
      sleeps = []
      const error = await failure(call())
      expect(error).toMatchObject({ kind: "unavailable", attempts: 3, httpStatus: null })
      expect(error.message).toMatch(/could not be reached: ECONNREFUSED \(after 3 attempts\)$/)
      expect(error.mayHaveReachedClick).toBe(false)
      expect(sleeps).toEqual([250, 500])
    }
  })

  it("checks its arguments before sending anything", async () => {
    await expect(client().paymentStatus("../1")).rejects.toThrow(RangeError)
    await expect(client().reversePayment("")).rejects.toThrow(RangeError)
    await expect(client().partiallyReversePayment(paid.payment_id, 0n)).rejects.toThrow(RangeError)
    await expect(client().paymentStatusByMerchantTransId("", new Date())).rejects.toThrow(RangeError)
    await expect(client().paymentStatusByMerchantTransId("x", new Date(Number.NaN))).rejects.toThrow(RangeError)
    expect(requests).toEqual([])
  })
})

// Answers the double never gives, as Click's own infrastructure might.
describe("ClickMerchantApiClient with answers from Click's edge", () => {
  function answering(...answers: (() => Response)[]) {
    let calls = 0
    const client = new ClickMerchantApiClient({
      ...credentials,
      fetch: async () => answers[Math.min(calls++, answers.length - 1)](),
      sleep: async () => {},
    })
    return { client, calls: () => calls }
  }

  it("keeps a 64-bit payment_id exact", async () => {
    const { client } = answering(
      () => new Response('{"error_code":0,"error_note":"Success","payment_id":9007199254740993,"merchant_trans_id":"c"}'),
    )
    expect((await client.paymentStatusByMerchantTransId("c", new Date())).paymentId).toBe("9007199254740993")
  })

  it("retries a 5xx HTML page from a proxy", async () => {
    const { client, calls } = answering(
      () => new Response("<html>502 Bad Gateway</html>", { status: 502 }),
      () => new Response('{"error_code":0,"error_note":"Success","payment_id":1,"payment_status":1}'),
    )
    expect((await client.paymentStatus("1")).paymentStatus).toBe(1)
    expect(calls()).toBe(2)
  })

  it("does not trust or retry a 200 without an error_code", async () => {
    const { client, calls } = answering(() => new Response("<html>maintenance</html>"))
    await expect(client.reversePayment("1")).rejects.toMatchObject({ kind: "unavailable", httpStatus: 200 })
    expect(calls()).toBe(1)
  })

  it("refuses to follow a redirect, which would carry the Auth header elsewhere", async () => {
    const { client } = answering(
      () => new Response(null, { status: 302, headers: { Location: "https://elsewhere.example/" } }),
    )
    await expect(client.paymentStatus("1")).rejects.toMatchObject({ kind: "refused", httpStatus: 302 })
  })

  it("reports a status answer without payment_status as unavailable", async () => {
    const { client } = answering(() => new Response('{"error_code":0,"error_note":"Success"}'))
    await expect(client.paymentStatus("1")).rejects.toMatchObject({
      kind: "unavailable",
      message: "Click Merchant API payment/status answered without a valid payment_status",
    })
  })
})
