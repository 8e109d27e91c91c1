import { once } from "node:events"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import {
  ClickMerchantApiClient,
  judgeDebitLookupFailure,
  judgeDebitStatus,
  type DebitVerdict,
} from "../../../src/click"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../harness/merchant-api-faults"

const credentials = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }

/** What the placement hears for a payment number: Click's real answer over HTTP, judged. */
async function verdictFor(client: ClickMerchantApiClient, paymentId: string): Promise<DebitVerdict> {
  try {
    return judgeDebitStatus(await client.paymentStatus(paymentId))
  } catch (error) {
    return judgeDebitLookupFailure(error)
  }
}

describe("a debit is real only when Click's Merchant API says so", () => {
  let double: MerchantApiDoubleWithFaults
  let client: ClickMerchantApiClient
  let bare404: Server
  let bare404Url: string

  beforeAll(async () => {
    double = await startMerchantApiDoubleWithFaults(credentials)
    client = new ClickMerchantApiClient({ ...credentials, baseUrl: double.url, retries: 0 })
    double.registerPayment({ payment_id: "1000000002", merchant_trans_id: "cart_paid", amount_tiyin: "100000" })
    double.registerPayment({ payment_id: "1000000003", merchant_trans_id: "cart_declined", amount_tiyin: "100000", status: -5017 })
    double.registerPayment({ payment_id: "1000000004", merchant_trans_id: "cart_slow", amount_tiyin: "100000", status: 1 })
    double.registerPayment({ payment_id: "1000000005", merchant_trans_id: "cart_new", amount_tiyin: "100000", status: 0 })
    // A proxy or a wrong base URL: 404 without Click's error body.
    bare404 = createServer((_request, response) => response.writeHead(404, { "content-type": "text/html" }).end("<h1>Not Found</h1>"))
    bare404.listen(0, "127.0.0.1")
    await once(bare404, "listening")
    bare404Url = `http://127.0.0.1:${(bare404.address() as AddressInfo).port}/v2/merchant/`
  })

  afterAll(async () => {
    await double.stop()
    bare404.close()
  })

  it("paid: payment_status 2", async () => {
    expect(await verdictFor(client, "1000000002")).toEqual({ verdict: "paid" })
  })

  it("contradicted, with Click's answer kept: a failed payment (negative payment_status)", async () => {
    expect(await verdictFor(client, "1000000003")).toEqual({
      verdict: "contradicted",
      paymentStatus: -5017,
      answer: "payment_status -5017 (Success)",
    })
  })

  it("contradicted: Click's explicit not found for the payment number", async () => {
    const verdict = await verdictFor(client, "1000000099")
    expect(verdict).toMatchObject({ verdict: "contradicted", paymentStatus: null })
    expect((verdict as { answer: string }).answer).toMatch(/^not found: HTTP 404, error_code -404 \(Payment not found\)$/)
  })

  it("wait: the payment is still in progress (0 created, 1 processing)", async () => {
    expect(await verdictFor(client, "1000000004")).toMatchObject({ verdict: "wait", reason: expect.stringMatching(/in progress: payment_status 1/) })
    expect(await verdictFor(client, "1000000005")).toMatchObject({ verdict: "wait", reason: expect.stringMatching(/in progress: payment_status 0/) })
  })

  it("wait: Click unreachable, 5xx, our own credentials refused, a bare 404, a 200 with an error code", async () => {
    double.injectFault({ endpoint: "payment/status", kind: "http_error", http_status: 503 })
    expect((await verdictFor(client, "1000000003")).verdict).toBe("wait")

    const wrongKey = new ClickMerchantApiClient({ ...credentials, secretKey: "not-ours", baseUrl: double.url, retries: 0 })
    expect((await verdictFor(wrongKey, "1000000003")).verdict).toBe("wait")

    const otherService = new ClickMerchantApiClient({ ...credentials, serviceId: "99999", baseUrl: double.url, retries: 0 })
    expect((await verdictFor(otherService, "1000000003")).verdict).toBe("wait") // 403

    const nowhere = new ClickMerchantApiClient({ ...credentials, baseUrl: "http://127.0.0.1:9/v2/merchant/", retries: 0 })
    expect((await verdictFor(nowhere, "1000000003")).verdict).toBe("wait")

    const proxy = new ClickMerchantApiClient({ ...credentials, baseUrl: bare404Url, retries: 0 })
    expect((await verdictFor(proxy, "1000000003")).verdict).toBe("wait")

    double.injectFault({ endpoint: "payment/status", kind: "click_error", error_code: -16, error_note: "Payment not found" })
    expect((await verdictFor(client, "1000000003")).verdict).toBe("wait")
  })

  it("an undocumented non-negative payment_status is not read as paid", () => {
    expect(judgeDebitStatus({ paymentStatus: 3, errorNote: null }).verdict).toBe("wait")
  })
})
