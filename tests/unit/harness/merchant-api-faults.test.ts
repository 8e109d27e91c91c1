import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { doubleRequests } from "../sandbox/double-requests"
import { PAYMENT_STATUS_REVERSED } from "../../../src/sandbox/merchant-api-ledger"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../harness/merchant-api-faults"

/** The tests' fault front before the Merchant API double: Click misbehaving, on Click's own paths. */
const config = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }

// 2025-03-15 15:00 in Tashkent.
let clock = new Date("2025-03-15T10:00:00Z")
let double: MerchantApiDoubleWithFaults

beforeEach(async () => {
  clock = new Date("2025-03-15T10:00:00Z")
  double = await startMerchantApiDoubleWithFaults({ ...config, now: () => clock })
})

afterEach(async () => {
  await double.stop()
})

const { signed, click, control } = doubleRequests(() => double, config, () => clock)

const paid = { payment_id: "1000000001", merchant_trans_id: "cart_01", amount_tiyin: "1000000" }

describe("faults", () => {
  beforeEach(() => {
    double.registerPayment(paid)
  })

  it("answers HTTP 5xx for the next N requests to one endpoint, then recovers", async () => {
    expect(await control("POST", "faults", { endpoint: "payment/reversal", kind: "http_error", times: 2 })).toMatchObject({
      status: 201,
    })
    expect(await click("DELETE", "payment/reversal/39123/1000000001")).toEqual({
      status: 503,
      body: { error_code: -500, error_note: "Injected fault: HTTP 503" },
    })
    expect((await click("GET", "payment/status/39123/1000000001")).status).toBe(200)
    double.injectFault({ endpoint: "payment/reversal", kind: "http_error", http_status: 502 })
    expect((await click("DELETE", "payment/reversal/39123/1000000001")).status).toBe(503)
    expect((await click("DELETE", "payment/reversal/39123/1000000001")).status).toBe(502)
    expect((await click("DELETE", "payment/reversal/39123/1000000001")).body.error_code).toBe(0)
    expect(double.payment(paid.payment_id)?.reversals).toHaveLength(1)
    expect(double.reversalCalls(paid.payment_id)).toBe(4)
  })

  it("answers a chosen Click error without acting", async () => {
    double.injectFault({
      endpoint: "payment/reversal",
      kind: "click_error",
      error_code: -35,
      error_note: "Reversal not allowed by the card scheme",
    })
    expect(await click("DELETE", "payment/reversal/39123/1000000001")).toEqual({
      status: 200,
      body: { error_code: -35, error_note: "Reversal not allowed by the card scheme" },
    })
    expect(double.payment(paid.payment_id)?.status).toBe(2)
  })

  it("answers anything that is not Click's JSON (a redirect, a proxy's page) without acting", async () => {
    double.injectFault({ endpoint: "payment/reversal", kind: "http_answer", http_status: 302, location: "https://elsewhere.example/" })
    double.injectFault({ endpoint: "payment/status", kind: "http_answer", http_status: 404, body: "<html>Not Found</html>" })
    const moved = await fetch(new URL("payment/reversal/39123/1000000001", double.url), {
      method: "DELETE",
      headers: { Auth: signed() },
      redirect: "manual",
    })
    expect(moved.status).toBe(302)
    expect(moved.headers.get("location")).toBe("https://elsewhere.example/")
    const page = await fetch(new URL("payment/status/39123/1000000001", double.url), { headers: { Auth: signed() } })
    expect(page.status).toBe(404)
    expect(page.headers.get("content-type")).toMatch(/text\/html/)
    expect(await page.text()).toBe("<html>Not Found</html>")
    expect(double.payment(paid.payment_id)?.status).toBe(2)
    expect((await click("GET", "payment/status/39123/1000000001")).body.payment_status).toBe(2)
  })

  it("holds a request, then acts: Click did it, but late", async () => {
    double.injectFault({ endpoint: "payment/reversal", kind: "hang", ms: 150 })
    const started = Date.now()
    const reply = await click("DELETE", "payment/reversal/39123/1000000001")
    expect(Date.now() - started).toBeGreaterThanOrEqual(140)
    expect(reply.body.error_code).toBe(0)
    expect(double.payment(paid.payment_id)?.status).toBe(PAYMENT_STATUS_REVERSED)
  })

  it("clears faults, and refuses invalid ones", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "http_error", times: 5 })
    expect(await control("DELETE", "faults")).toEqual({ status: 200, body: { faults: [] } })
    expect((await click("GET", "payment/status/39123/1000000001")).status).toBe(200)
    for (const invalid of [
      { endpoint: "payment/refund", kind: "http_error" },
      { endpoint: "payment/status", kind: "explode" },
      { endpoint: "payment/status", kind: "http_error", http_status: 404 },
      { endpoint: "payment/status", kind: "click_error", error_code: 0, error_note: "ok" },
      { endpoint: "payment/status", kind: "hang" },
      { endpoint: "payment/status", kind: "http_answer", http_status: 200 },
    ]) {
      expect((await control("POST", "faults", invalid)).status, JSON.stringify(invalid)).toBe(400)
    }
  })

  it("counts reversal calls over the control API, whatever their outcome", async () => {
    double.injectFault({ endpoint: "payment/reversal", kind: "http_error" })
    await click("DELETE", "payment/reversal/39123/1000000001")
    await click("DELETE", "payment/reversal/39123/1000000001", signed("wrong-secret"))
    await click("DELETE", "payment/reversal/39123/1000000001")
    expect(await control("GET", "payments/1000000001/reversal-calls")).toEqual({
      status: 200,
      body: { payment_id: "1000000001", reversal_calls: 3 },
    })
    expect((await control("GET", "payments/77/reversal-calls")).body.reversal_calls).toBe(0)
  })

  it("stops at once even with a request on hold", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "hang", ms: 60_000 })
    const held = click("GET", "payment/status/39123/1000000001").catch((error: unknown) => error)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const started = Date.now()
    await double.stop()
    expect(Date.now() - started).toBeLessThan(1000)
    expect(await held).toBeInstanceOf(Error)
    await double.stop() // stopping twice is harmless (afterEach does it too)
  })
})

describe("what the front does not fault", () => {
  it("passes to the double as it is: Click's paths, its refusals and its control API", async () => {
    expect((await control("POST", "payments", paid)).status).toBe(201)
    expect(await click("GET", "payment/status/39123/1000000001")).toEqual({
      status: 200,
      body: { error_code: 0, error_note: "Success", payment_id: 1000000001, payment_status: 2 },
    })
    expect(await click("GET", "payment/status/39123/1000000001", signed("wrong-secret"))).toMatchObject({ status: 401, body: { error_code: -401 } })
    expect(await click("GET", "payment/reversal/39123/1000000001")).toMatchObject({ status: 405, body: { error_code: -405 } })
    expect(await control("GET", "payments/1000000001")).toMatchObject({ status: 200, body: { payment: { status: 2 } } })
  })

  it("leaves a fault queued for a request the double would not act on", async () => {
    double.registerPayment(paid)
    double.injectFault({ endpoint: "payment/reversal", kind: "http_error" })
    expect((await click("GET", "payment/reversal/39123/1000000001")).status).toBe(405)
    expect((await click("DELETE", "payment/reversal/39123/1000000001")).status).toBe(503)
  })
})
