import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { doubleRequests } from "./double-requests"
import { buildFiscalReceipt, ClickMerchantApiClient } from "../../../src/click"
import {
  startMerchantApiDouble,
  type MerchantApiDouble,
} from "../../../src/sandbox/merchant-api-double"
import { PAYMENT_STATUS_REVERSED } from "../../../src/sandbox/merchant-api-ledger"

const config = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }

// 2025-03-15 15:00 in Tashkent.
let clock = new Date("2025-03-15T10:00:00Z")
let double: MerchantApiDouble

beforeEach(async () => {
  clock = new Date("2025-03-15T10:00:00Z")
  double = await startMerchantApiDouble({ ...config, now: () => clock })
})

afterEach(async () => {
  await double.stop()
})

const { signed, click, control } = doubleRequests(() => double, config, () => clock)

const paid = { payment_id: "1000000001", merchant_trans_id: "cart_01", amount_tiyin: "1000000" }

describe("control API and ledger", () => {
  it("registers a payment over HTTP and shows it in the ledger", async () => {
    const created = await control("POST", "payments", { ...paid, click_trans_id: 2000000001 })
    const payment = {
      payment_id: "1000000001",
      click_trans_id: "2000000001",
      merchant_trans_id: "cart_01",
      service_id: "39123",
      amount_tiyin: "1000000",
      status: 2,
      created_at: "2025-03-15T10:00:00.000Z",
      reversals: [],
      fiscal_receipt: null,
    }
    expect(created).toEqual({ status: 201, body: { payment } })
    expect(await control("GET", "payments")).toEqual({ status: 200, body: { payments: [payment] } })
    expect(await control("GET", "payments/1000000001")).toEqual({ status: 200, body: { payment } })
    expect(double.payment("1000000001")).toEqual(payment)
  })

  it("generates ids that are not given, and never reuses one", () => {
    double.registerPayment({ ...paid, payment_id: "3000000001" })
    const generated = double.registerPayment({ merchant_trans_id: "cart_02", amount_tiyin: 500n })
    expect(generated.payment_id).toMatch(/^\d{10}$/)
    expect(generated.payment_id).not.toBe("3000000001")
    expect(generated.click_trans_id).toMatch(/^\d{10}$/)
  })

  it("hands out copies, so callers cannot change the ledger", () => {
    double.registerPayment(paid).reversals.push({ amount_tiyin: "1", at: "x" })
    double.payments()[0].status = -1
    expect(double.payment(paid.payment_id)).toMatchObject({ status: 2, reversals: [] })
  })

  it("refuses invalid and duplicate registrations", async () => {
    await control("POST", "payments", paid)
    expect(await control("POST", "payments", paid)).toEqual({
      status: 409,
      body: { error_code: -409, error_note: "payment_id 1000000001 is already registered" },
    })
    for (const invalid of [
      { ...paid, amount_tiyin: "0" },
      { ...paid, amount_tiyin: "10.5" },
      { ...paid, payment_id: "12ab" },
      { ...paid, merchant_trans_id: "" },
      { ...paid, unknown: 1 },
    ]) {
      const reply = await control("POST", "payments", { ...invalid, payment_id: invalid.payment_id + "9" })
      expect(reply.status, JSON.stringify(invalid)).toBe(400)
      expect(reply.body.error_code).toBe(-400)
    }
    expect((await control("POST", "payments", "{not json")).status).toBe(400)
    expect(() => double.registerPayment({ ...paid, amount_tiyin: -5n })).toThrow(/amount_tiyin/)
  })

  it("answers 404 JSON for unknown payments and paths", async () => {
    expect(await control("GET", "payments/42")).toEqual({
      status: 404,
      body: { error_code: -404, error_note: "Payment not found" },
    })
    expect((await control("GET", "nothing")).status).toBe(404)
    const response = await fetch(new URL("/favicon.ico", double.url))
    expect(response.status).toBe(404)
    expect(response.headers.get("content-type")).toMatch(/^application\/json/)
    expect(await response.json()).toEqual({ error_code: -404, error_note: "Not found" })
  })

  it("settles a payment it had in progress, once: paid or failed, as payment/status then reports", async () => {
    expect((await control("POST", "payments", { ...paid, payment_id: "1000000007", status: 1 })).status).toBe(201)
    expect((await click("GET", "payment/status/39123/1000000007")).body.payment_status).toBe(1)
    expect((await control("POST", "payments/1000000007/settle", { status: 0 })).status).toBe(400)
    expect((await control("POST", "payments/1000000007/settle", { status: 2 })).status).toBe(200)
    expect((await click("GET", "payment/status/39123/1000000007")).body.payment_status).toBe(2)
    expect((await control("POST", "payments/1000000007/settle", { status: -1 })).status).toBe(409)
    expect((await control("POST", "payments/1000000099/settle", { status: 2 })).status).toBe(400)
    double.registerPayment({ ...paid, payment_id: "1000000008", status: 0 })
    expect(double.settlePayment("1000000008", -5017).status).toBe(-5017)
  })

  it("counts reversal calls over the control API, whatever their outcome", async () => {
    double.registerPayment(paid)
    await click("DELETE", "payment/reversal/39123/1000000001", signed("wrong-secret"))
    await click("DELETE", "payment/reversal/39123/1000000001")
    await click("DELETE", "payment/reversal/39123/1000000001")
    expect(await control("GET", "payments/1000000001/reversal-calls")).toEqual({
      status: 200,
      body: { payment_id: "1000000001", reversal_calls: 3 },
    })
    expect((await control("GET", "payments/77/reversal-calls")).body.reversal_calls).toBe(0)
  })

  it("rejects a body over 64 KB with 413", async () => {
    const reply = await control("POST", "payments", { ...paid, padding: "x".repeat(65 * 1024) })
    expect(reply).toEqual({ status: 413, body: { error_code: -413, error_note: "Request body too large" } })
    expect(double.payments()).toEqual([])
  })
})

describe("Click's paths", () => {
  beforeEach(() => {
    double.registerPayment(paid)
  })

  it("answers payment/status like Click", async () => {
    expect(await click("GET", "payment/status/39123/1000000001")).toEqual({
      status: 200,
      body: { error_code: 0, error_note: "Success", payment_id: 1000000001, payment_status: 2 },
    })
    expect(await click("GET", "payment/status/39123/1000000002")).toEqual({
      status: 404,
      body: { error_code: -404, error_note: "Payment not found" },
    })
  })

  it("answers 401 when the Auth header is missing, signed with another secret, or stale", async () => {
    const cases: [string | null, string][] = [
      [null, "Authorization failed: no Auth header"],
      [signed("wrong-secret"), "Authorization failed: the digest does not match"],
      [signed(config.secretKey, new Date(clock.getTime() - 301_000)), "Authorization failed: the timestamp is too far from the server's clock"],
      ["34567:abc:1741597943", "Authorization failed: the Auth header is not merchant_user_id:digest:timestamp"],
    ]
    for (const [auth, note] of cases) {
      expect(await click("GET", "payment/status/39123/1000000001", auth)).toEqual({
        status: 401,
        body: { error_code: -401, error_note: note },
      })
    }
    expect(double.payment(paid.payment_id)?.status).toBe(2)
  })

  it("never says the secret in a 401", async () => {
    const reply = await click("DELETE", "payment/reversal/39123/1000000001", signed("wrong-secret"))
    expect(JSON.stringify(reply.body)).not.toContain(config.secretKey)
  })

  it("answers 403 for another service_id, 405 for the wrong method, 400 for a malformed id", async () => {
    expect(await click("GET", "payment/status/11111/1000000001")).toMatchObject({ status: 403, body: { error_code: -403 } })
    expect(await click("GET", "payment/reversal/39123/1000000001")).toMatchObject({ status: 405, body: { error_code: -405 } })
    expect(await click("GET", "payment/status/39123/12ab")).toMatchObject({ status: 400, body: { error_code: -400 } })
    expect(await click("GET", "payment/status/39123")).toMatchObject({ status: 404, body: { error_code: -404 } })
    expect(await click("GET", "payment/status/39123/1/2")).toMatchObject({ status: 404 })
    expect(await click("DELETE", "payment/partial_reversal/39123/1000000001/abc")).toMatchObject({ status: 400 })
    expect(await click("DELETE", "payment/partial_reversal/39123/1000000001/0.00")).toMatchObject({ status: 400 })
  })

  it("finds a payment by merchant_trans_id on its Tashkent creation day, the latest when several", async () => {
    // 00:30 on March 10 in Tashkent, still March 9 in UTC.
    const late = double.registerPayment({ merchant_trans_id: "order/7 #1", amount_tiyin: "500", created_at: "2025-03-09T19:30:00Z" })
    const later = double.registerPayment({ merchant_trans_id: "order/7 #1", amount_tiyin: "500", created_at: "2025-03-10T12:00:00Z" })
    const mti = encodeURIComponent("order/7 #1")
    expect(await click("GET", `payment/status_by_mti/39123/${mti}/2025-03-10`)).toEqual({
      status: 200,
      body: { error_code: 0, error_note: "Success", payment_id: Number(later.payment_id), merchant_trans_id: "order/7 #1" },
    })
    expect(late.payment_id).not.toBe(later.payment_id)
    expect(await click("GET", `payment/status_by_mti/39123/${mti}/2025-03-09`)).toMatchObject({ status: 404 })
    expect(await click("GET", `payment/status_by_mti/39123/${mti}/2025-02-30`)).toMatchObject({ status: 400 })
  })
})

describe("reversal rules", () => {
  const reversal = (id = paid.payment_id) => click("DELETE", `payment/reversal/39123/${id}`)
  const partial = (amount: string, id = paid.payment_id) =>
    click("DELETE", `payment/partial_reversal/39123/${id}/${amount}`)

  it("reverses a successful payment once; a second reversal is refused", async () => {
    double.registerPayment(paid)
    expect(await reversal()).toEqual({
      status: 200,
      body: { error_code: 0, error_note: "Success", payment_id: 1000000001 },
    })
    expect(await reversal()).toEqual({
      status: 200,
      body: { error_code: -32, error_note: "Reversal not allowed: payment already reversed" },
    })
    expect(double.payment(paid.payment_id)).toMatchObject({
      status: PAYMENT_STATUS_REVERSED,
      reversals: [{ amount_tiyin: "1000000", at: "2025-03-15T10:00:00.000Z" }],
    })
    expect((await click("GET", "payment/status/39123/1000000001")).body.payment_status).toBe(PAYMENT_STATUS_REVERSED)
    expect(double.reversalCalls(paid.payment_id)).toBe(2)
  })

  it("refuses to reverse a payment that is not successful", async () => {
    for (const [id, status] of [["1", 0], ["2", 1], ["3", -1]] as const) {
      double.registerPayment({ ...paid, payment_id: id, status })
      expect(await reversal(id)).toEqual({
        status: 200,
        body: { error_code: -31, error_note: "Reversal not allowed: payment is not successful" },
      })
    }
    expect(await reversal("404")).toMatchObject({ status: 404, body: { error_code: -404 } })
  })

  it("refuses last month's payment, except on the 1st day (Tashkent time)", async () => {
    double.registerPayment({ ...paid, payment_id: "1", created_at: "2025-02-27T06:00:00Z" })
    double.registerPayment({ ...paid, payment_id: "2", created_at: "2025-02-27T06:00:00Z" })

    clock = new Date("2025-03-01T19:00:00Z") // 00:00 on March 2 in Tashkent
    const refused = await reversal("1")
    expect(refused.status).toBe(200)
    expect(refused.body.error_code).toBe(-33)
    expect(refused.body.error_note).toMatch(/^Reversal not allowed: reversal period expired/)

    clock = new Date("2025-03-01T18:59:59Z") // 23:59:59 on March 1 in Tashkent
    expect((await reversal("2")).body.error_code).toBe(0)
    expect(double.payment("1")?.reversals).toEqual([])
  })

  it("lets partial reversals reduce the remaining amount, never below zero", async () => {
    double.registerPayment(paid) // 10 000.00 soums
    expect((await partial("2500.50")).body).toEqual({ error_code: 0, error_note: "Success", payment_id: 1000000001 })
    expect((await partial("7499.51")).body).toEqual({
      error_code: -34,
      error_note: "Reversal not allowed: amount exceeds the remaining amount (7499.50 soums)",
    })
    expect((await partial("7000")).body.error_code).toBe(0)
    expect(double.payment(paid.payment_id)).toMatchObject({
      status: 2,
      reversals: [{ amount_tiyin: "250050" }, { amount_tiyin: "700000" }],
    })
    // A full reversal takes what is left.
    expect((await reversal()).body.error_code).toBe(0)
    expect(double.payment(paid.payment_id)).toMatchObject({
      status: PAYMENT_STATUS_REVERSED,
      reversals: [{ amount_tiyin: "250050" }, { amount_tiyin: "700000" }, { amount_tiyin: "49950" }],
    })
    expect((await partial("1")).body.error_code).toBe(-32)
    expect(double.reversalCalls(paid.payment_id)).toBe(5)
  })

  it("marks a payment reversed when partial reversals use it up", async () => {
    double.registerPayment(paid)
    await partial("10000.00")
    expect(double.payment(paid.payment_id)?.status).toBe(PAYMENT_STATUS_REVERSED)
  })
})

describe("fiscal receipts (payment/ofd_data)", () => {
  const client = () =>
    new ClickMerchantApiClient({ ...config, baseUrl: double.url, retries: 0, now: () => clock })
  const receipt = (paymentId: string, paidTiyin: bigint, name = "Click demo T-shirt") =>
    buildFiscalReceipt({
      serviceId: config.serviceId,
      paymentId,
      paidTiyin,
      seller: { tin: "123456789" },
      lines: [
        { name, quantity: 2, totalTiyin: 800_000n, discountTiyin: 80_000n, spic: "06109001001000000", packageCode: "1500263", vatPercent: 12 },
        { name: "Delivery", quantity: 1, totalTiyin: 280_000n, discountTiyin: 0n, spic: "10112006002000000", packageCode: "1545413", vatPercent: 12 },
      ],
    })

  it("accepts a receipt whose items sum to the payment, once, and then serves its QR link", async () => {
    double.registerPayment(paid)
    const built = receipt(paid.payment_id, 1_000_000n)
    if (!built.ok) throw new Error(built.problem)
    await client().submitFiscalItems(built.body)
    expect(double.payment(paid.payment_id)!.fiscal_receipt).toMatchObject({
      received_ecash: 1_000_000,
      items: [expect.objectContaining({ Price: 800_000, Discount: 80_000, VAT: 77_143 }), expect.objectContaining({ Name: "Delivery" })],
    })
    const { qrCodeUrl } = await client().fiscalReceipt(paid.payment_id)
    expect(qrCodeUrl).toMatch(/^https:\/\/ofd\.soliq\.uz\/check\?/)
    await expect(client().submitFiscalItems(built.body)).rejects.toMatchObject({ kind: "refused", errorNote: "Receipt already submitted" })
  })

  it("refuses items that do not sum to the payment, and fields beyond Click's limits", async () => {
    double.registerPayment(paid)
    const built = receipt(paid.payment_id, 1_000_000n)
    if (!built.ok) throw new Error(built.problem)
    const short = { ...built.body, items: built.body.items.slice(0, 1), received_ecash: 720_000 }
    await expect(client().submitFiscalItems(short)).rejects.toMatchObject({ errorNote: expect.stringMatching(/items sum to 720000 tiyin/) })
    const longName = { ...built.body, items: [{ ...built.body.items[0], Name: "x".repeat(64) }, built.body.items[1]] }
    await expect(client().submitFiscalItems(longName)).rejects.toMatchObject({ errorNote: expect.stringMatching(/items\.0\.Name/) })
    expect(double.payment(paid.payment_id)!.fiscal_receipt).toBeNull()
    await expect(client().fiscalReceipt(paid.payment_id)).rejects.toMatchObject({ httpStatus: 404 })
  })
})
