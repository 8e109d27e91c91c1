import { networkInterfaces } from "node:os"
import { afterAll, describe, expect, it } from "vitest"
import { ClickMerchantApiError } from "../../../src/click"
import { clickMerchantGateway } from "../../../src/providers/click/merchant-gateway"
import { recordInDoubleAt, sandboxMerchantApi } from "../../../src/providers/click/sandbox-merchant-api"
import { parseClickOptions } from "../../../src/providers/click/options"

const credentials = { serviceId: "777", merchantUserId: "888", secretKey: "sandbox-secret", timeoutMs: 2000 }

describe("sandbox mode", () => {
  const sandbox = sandboxMerchantApi(credentials, { prepareUrl: "http://127.0.0.1:9/hooks/click/prepare", completeUrl: "http://127.0.0.1:9/hooks/click/complete" })
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

  it("serves its sandbox controls (/__double/) on this machine's loopback only: another address of the machine is refused", async () => {
    const double = await sandbox.double()
    const control = new URL("payments", double.controlUrl)
    expect((await fetch(control)).status).toBe(200)
    const otherAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address && address.family === "IPv4" && !address.internal)
      .map((address) => address!.address)
    for (const address of otherAddresses) {
      const fromOutside = new URL(control)
      fromOutside.hostname = address
      const refused = await fetch(fromOutside, { signal: AbortSignal.timeout(2000) }).catch((error) => error)
      expect(refused).toBeInstanceOf(Error)
      expect(String(refused.cause?.code ?? refused.name)).toMatch(/ECONNREFUSED|TimeoutError/)
    }
    expect(control.hostname).toBe("127.0.0.1")
  })

  it("with a merchantApiUrl, records the pay page's payments in that double's ledger, and names the fix when it is not one", async () => {
    const double = await sandbox.double()
    const payment = { payment_id: "5550003", merchant_trans_id: "cart_sandbox", amount_tiyin: "3840000" }
    await recordInDoubleAt(double.url, payment)
    await recordInDoubleAt(double.url, payment) // already there: fine
    expect(double.payment("5550003")).toMatchObject({ status: 2, merchant_trans_id: "cart_sandbox" })
    await recordInDoubleAt(double.url, { ...payment, payment_id: "5550004", status: -5017 })
    expect(await sandbox.api.paymentStatus("5550004")).toMatchObject({ paymentStatus: -5017 })
    await expect(recordInDoubleAt("http://127.0.0.1:9/v2/merchant/", payment)).rejects.toThrow()
    // A registration the double refuses (here: no amount it can read) is an error naming the fix.
    await expect(recordInDoubleAt(double.url, { ...payment, payment_id: "5550005", amount_tiyin: "x" })).rejects.toThrow(
      /CLICK_MERCHANT_API_URL must be the project's double, or unset/
    )
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
