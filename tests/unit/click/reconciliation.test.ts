import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  candidatePaymentDays,
  ClickMerchantApiClient,
  EMPTY_STREAK,
  formatTashkentDate,
  nextReconcileStep,
  wordOfLookupFailure,
  wordOfPaymentStatus,
  type ClickWord,
  type ReconcileRules,
  type ReconcileStreak,
} from "../../../src/click"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../harness/merchant-api-faults"

const rules: ReconcileRules = { cancelAnswers: 3, cancelSpreadSec: 3600, inProgressHorizonSec: 86_400 }
const t0 = new Date("2025-03-15T10:00:00Z")
const at = (sec: number) => new Date(t0.getTime() + sec * 1000)
const no: ClickWord = { word: "no", detail: "payment_status -1" }
const inProgress: ClickWord = { word: "in_progress", detail: "payment_status 1" }
const unavailable: ClickWord = { word: "none", detail: "HTTP 503", credentials: false }

/** Feeds words at the given seconds after t0; returns every step. */
function run(words: Array<[number, ClickWord]>, r = rules) {
  let streak: ReconcileStreak = EMPTY_STREAK
  return words.map(([sec, word]) => {
    const step = nextReconcileStep(word, streak, at(sec), r)
    if ("streak" in step) streak = step.streak
    return step
  })
}

describe("nextReconcileStep: a Prepare is cancelled only on Click's repeated word, over an hour", () => {
  it("a single negative payment_status or not-found cancels nothing", () => {
    expect(run([[0, no]])[0]).toMatchObject({ action: "wait", streak: { noCount: 1, noSince: t0 } })
  })

  it("three answers within the hour cancel nothing; the answer that completes the hour does", () => {
    const steps = run([
      [0, no],
      [60, no],
      [120, no],
      [3599, no],
      [3600, no],
    ])
    expect(steps.map((s) => s.action)).toEqual(["wait", "wait", "wait", "wait", "cancel"])
    expect(steps[4]).toMatchObject({ detail: expect.stringContaining("5 times in a row over 60 min") })
  })

  it("an hour apart is not enough with fewer answers than required", () => {
    expect(run([[0, no], [7200, no]]).map((s) => s.action)).toEqual(["wait", "wait"])
    expect(run([[0, no], [7200, no]], { ...rules, cancelAnswers: 2 }).map((s) => s.action)).toEqual(["wait", "cancel"])
  })

  it("never fewer than two answers, whatever is configured", () => {
    expect(run([[0, no]], { ...rules, cancelAnswers: 1, cancelSpreadSec: 0 })[0].action).toBe("wait")
  })

  it("an in-progress answer breaks the streak: counting starts over", () => {
    const steps = run([
      [0, no],
      [1800, no],
      [2400, inProgress],
      [3000, no],
      [3600, no],
      [4000, no],
      [6600, no],
    ])
    expect(steps.map((s) => s.action)).toEqual(["wait", "wait", "wait", "wait", "wait", "wait", "cancel"])
    expect(steps[3]).toMatchObject({ streak: { noCount: 1, noSince: at(3000) } })
  })

  it("no usable answer (401/403, 4xx, redirect, 5xx, timeout) neither counts nor breaks the streak", () => {
    const steps = run([
      [0, no],
      [600, unavailable],
      [1200, { word: "none", detail: "HTTP 401", credentials: true }],
      [1800, no],
      [3600, unavailable],
    ])
    expect(steps.map((s) => s.action)).toEqual(["wait", "wait", "wait", "wait", "wait"])
    expect(steps[4]).toMatchObject({ streak: { noCount: 2, noSince: t0 } })
    // Ten hours of errors alone never cancel.
    const errors = run(Array.from({ length: 40 }, (_, i) => [i * 900, unavailable] as [number, ClickWord]))
    expect(errors.every((s) => s.action === "wait" && s.streak.noCount === 0)).toBe(true)
  })

  it("asks again no later than the spread still missing", () => {
    const [, second] = run([[0, no], [600, no]])
    expect(second).toMatchObject({ action: "wait", dueWithinSec: 3000 })
    expect(run([[0, unavailable]])[0]).toMatchObject({ dueWithinSec: null })
  })

  it("paid confirms at once, whatever came before", () => {
    expect(run([[0, no], [600, no], [700, { word: "paid" }]])[2]).toEqual({ action: "confirm" })
  })

  it("in progress past the horizon stops being asked, and is never cancelled", () => {
    const steps = run([
      [0, inProgress],
      [3600, unavailable],
      [86_399, inProgress],
      [86_400, inProgress],
    ])
    expect(steps.map((s) => s.action)).toEqual(["wait", "wait", "wait", "stall"])
    expect(steps[3]).toMatchObject({ streak: { inProgressSince: t0, noCount: 0 }, detail: expect.stringContaining("24 h") })
  })

  it("a 'no' resets the in-progress clock", () => {
    const steps = run([
      [0, inProgress],
      [50_000, no],
      [60_000, inProgress],
      [90_000, inProgress],
    ])
    expect(steps.map((s) => s.action)).toEqual(["wait", "wait", "wait", "wait"])
    expect(steps[3]).toMatchObject({ streak: { inProgressSince: at(60_000) } })
  })
})

describe("wordOfPaymentStatus", () => {
  it.each([
    [2, "paid"],
    [1, "in_progress"],
    [0, "in_progress"],
    [7, "in_progress"],
    [-1, "no"],
    [-2, "no"],
  ])("payment_status %i → %s", (status, word) => {
    expect(wordOfPaymentStatus(status, null).word).toBe(word)
  })
})

describe("candidatePaymentDays: the day of the Prepare and the neighbour across the nearer midnight", () => {
  it.each([
    ["2025-03-15T19:00:30Z", "2025-03-16", "2025-03-15"], // 00:00:30 in Tashkent: the day before
    ["2025-03-15T18:59:30Z", "2025-03-15", "2025-03-16"], // 23:59:30 in Tashkent: the day after
    ["2025-03-15T06:59:59Z", "2025-03-15", "2025-03-14"], // 11:59:59
    ["2025-03-15T07:00:00Z", "2025-03-15", "2025-03-16"], // 12:00:00
  ])("%s → %s, %s", (instant, first, second) => {
    expect(candidatePaymentDays(new Date(instant)).map(formatTashkentDate)).toEqual([first, second])
  })
})

describe("wordOfLookupFailure against the Merchant API double: only Click's explicit not-found is a 'no'", () => {
  const credentials = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
  let double: MerchantApiDoubleWithFaults
  beforeEach(async () => {
    double = await startMerchantApiDoubleWithFaults(credentials)
    double.registerPayment({ payment_id: "1000000001", merchant_trans_id: "cart_01", amount_tiyin: "1000000" })
  })
  afterEach(async () => {
    await double.stop()
  })

  const client = (options: Partial<ConstructorParameters<typeof ClickMerchantApiClient>[0]> = {}) =>
    new ClickMerchantApiClient({ ...credentials, baseUrl: double.url, retries: 0, timeoutMs: 10_000, ...options })
  const wordOf = (promise: Promise<unknown>) =>
    promise.then(
      () => ({ word: "answered" }) as const,
      (error: unknown) => wordOfLookupFailure(error)
    )

  it("Click's 404 with its error body: not found", async () => {
    expect(await wordOf(client().paymentStatus("1000000002"))).toMatchObject({ word: "no", detail: expect.stringContaining("not found") })
  })

  it("401 (wrong secret key) and 403 (another merchant's service): our credentials, no word", async () => {
    expect(await wordOf(client({ secretKey: "wrong" }).paymentStatus("1000000002"))).toMatchObject({ word: "none", credentials: true })
    expect(await wordOf(client({ serviceId: "40000" }).paymentStatus("1000000002"))).toMatchObject({ word: "none", credentials: true })
  })

  it("a bare 404 page, a redirect, another 4xx, a 5xx, a timeout, a 200 with an error: no word", async () => {
    const faults = [
      { kind: "http_answer", http_status: 404, body: "<html>Not Found</html>" },
      { kind: "http_answer", http_status: 302, location: "https://elsewhere.example/" },
      { kind: "click_error", http_status: 400, error_code: -400, error_note: "Bad request" },
      { kind: "click_error", http_status: 410, error_code: -410, error_note: "Gone" },
      { kind: "http_error", http_status: 502 },
      { kind: "hang", ms: 2000 },
      { kind: "click_error", http_status: 200, error_code: -16, error_note: "Payment not found" },
    ] as const
    for (const fault of faults) {
      double.injectFault({ endpoint: "payment/status", ...fault })
      // Only the hang needs the short timeout; a loaded machine may take longer than it to answer the rest.
      const timeoutMs = fault.kind === "hang" ? 500 : 10_000
      expect(await wordOf(client({ timeoutMs }).paymentStatus("1000000002")), JSON.stringify(fault)).toMatchObject({
        word: "none",
        credentials: false,
      })
    }
  })
})
