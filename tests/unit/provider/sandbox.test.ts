import { afterAll, describe, expect, it } from "vitest"
import { ClickMerchantApiError } from "../../../src/click"
import { clickMerchantGateway } from "../../../src/providers/click/merchant-gateway"
import { sandboxMerchantApi } from "../../../src/providers/click/sandbox-merchant-api"
import { parseClickOptions } from "../../../src/providers/click/options"

const credentials = { serviceId: "777", merchantUserId: "888", secretKey: "sandbox-secret", timeoutMs: 2000 }

describe("sandbox mode", () => {
  const sandbox = sandboxMerchantApi(credentials)
  afterAll(async () => {
    await (await sandbox.double()).stop()
  })

  it("answers Click's Merchant API from the local double, over HTTP, with Click's Auth check", async () => {
    const double = await sandbox.double()
    double.registerPayment({ payment_id: "5550001", merchant_trans_id: "cart_sandbox", amount_tiyin: "3840000" })
    expect(await sandbox.api.paymentStatus("5550001")).toMatchObject({ paymentStatus: 2 })
    await sandbox.api.reversePayment("5550001")
    expect(double.payment("5550001")!.reversals).toHaveLength(1)
    expect(double.reversalCalls("5550001")).toBe(1)
    const unknown = await sandbox.api.paymentStatus("5550002").catch((error) => error)
    expect(unknown).toBeInstanceOf(ClickMerchantApiError)
    expect(unknown.kind).toBe("refused")
  })

  it("refuses to boot with sandbox on when NODE_ENV=production", () => {
    const options = { serviceId: "1", merchantId: "2", merchantUserId: "3", secretKey: "s", sandbox: "true" }
    expect(() => parseClickOptions(options, { NODE_ENV: "production" })).toThrow(/CLICK_SANDBOX.*NODE_ENV=production/)
    expect(parseClickOptions(options, { NODE_ENV: "development" }).sandbox).toBe(true)
    expect(parseClickOptions({ ...options, sandbox: "false" }, { NODE_ENV: "production" }).sandbox).toBe(false)
  })

  it("names the fix when no provider serves a service id", () => {
    expect(() => clickMerchantGateway("999")).toThrow(/register medusa-payment-click\/providers\/click/)
  })
})
