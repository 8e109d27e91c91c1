import { once } from "node:events"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  cardRefusalOf,
  ClickMerchantApiClient,
  ClickMerchantApiError,
  ClickMerchantCardsClient,
  verifyClickCallback,
  type CallbackKind,
} from "../../../src/click"
import { startMerchantApiDouble, type MerchantApiDouble } from "../../../src/sandbox/merchant-api-double"

const config = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
// Passes Luhn; the double may keep only its first 6 and last 4 digits.
const CARD_NUMBER = "8600123456789012"

let double: MerchantApiDouble
let cards: ClickMerchantCardsClient

beforeEach(async () => {
  double = await startMerchantApiDouble(config)
  cards = new ClickMerchantCardsClient({ ...config, baseUrl: double.url, retries: 0 })
})

afterEach(async () => {
  await double.stop()
})

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(new URL(path, double.controlUrl), {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  return { status: response.status, text: await response.text() }
}

async function smsCodeOf(token: string): Promise<string> {
  const { text } = await control("GET", `card-tokens/${token}`)
  return (JSON.parse(text) as { card_token: { sms_code: string } }).card_token.sms_code
}

async function refusalOf(promise: Promise<unknown>): Promise<unknown> {
  const error = await promise.then(() => null, (thrown: unknown) => thrown)
  expect(error).toBeInstanceOf(ClickMerchantApiError)
  return cardRefusalOf(error)
}

const request = () => cards.requestCardToken({ cardNumber: CARD_NUMBER, expireDate: "0330", temporary: false })

async function verifiedToken(): Promise<string> {
  const { cardToken } = await request()
  await cards.verifyCardToken({ cardToken, smsCode: await smsCodeOf(cardToken) })
  return cardToken
}

describe("card tokens", () => {
  it("request, verify with the SMS code, pay: payment/status reports it paid", async () => {
    const { cardToken, phoneNumber } = await request()
    expect(phoneNumber).toContain("*")
    const verified = await cards.verifyCardToken({ cardToken, smsCode: await smsCodeOf(cardToken) })
    expect(verified.cardNumber).toBe("860012******9012")

    const paid = await cards.payWithCardToken({ cardToken, amountTiyin: 150_050n, merchantTransId: "order-1" })
    expect(paid.paymentStatus).toBe(2)
    expect(double.payment(paid.paymentId)).toMatchObject({ amount_tiyin: "150050", merchant_trans_id: "order-1" })
    const status = await new ClickMerchantApiClient({ ...config, baseUrl: double.url, retries: 0 }).paymentStatus(paid.paymentId)
    expect(status).toMatchObject({ paymentStatus: 2 })
  })

  it("answers the wrong-code error for a wrong SMS code and does not verify the token", async () => {
    const { cardToken } = await request()
    const code = await smsCodeOf(cardToken)
    const wrong = code === "111111" ? "222222" : "111111"
    expect(await refusalOf(cards.verifyCardToken({ cardToken, smsCode: wrong }))).toBe("sms_code_wrong")
    expect(await refusalOf(cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" }))).toBeNull()
    expect(double.payments()).toEqual([])
  })

  it("answers -301 for an expired SMS code", async () => {
    const { cardToken } = await request()
    const code = await smsCodeOf(cardToken)
    expect((await control("POST", `card-tokens/${cardToken}/expire-code`)).status).toBe(200)
    expect(await refusalOf(cards.verifyCardToken({ cardToken, smsCode: code }))).toBe("sms_code_expired")
  })

  it("answers card_blocked and insufficient_funds when the control API says so, and records no debit", async () => {
    const cardToken = await verifiedToken()
    await control("POST", `card-tokens/${cardToken}/refusal`, { refusal: "card_blocked" })
    expect(await refusalOf(cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" }))).toBe("card_blocked")
    await control("POST", `card-tokens/${cardToken}/refusal`, { refusal: "insufficient_funds" })
    expect(await refusalOf(cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" }))).toBe(
      "insufficient_funds",
    )
    expect(double.payments()).toEqual([])
  })

  it("answers a failed payment when the control API says so: Click's payment_status, in the ledger as failed", async () => {
    const cardToken = await verifiedToken()
    expect((await control("POST", `card-tokens/${cardToken}/payment-status`, { payment_status: -1 })).status).toBe(200)
    const failed = await cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" })
    expect(failed.paymentStatus).toBe(-1)
    expect(double.payment(failed.paymentId)).toMatchObject({ merchant_trans_id: "o", status: -1 })
    const status = await new ClickMerchantApiClient({ ...config, baseUrl: double.url, retries: 0 }).paymentStatus(failed.paymentId)
    expect(status).toMatchObject({ paymentStatus: -1 })
    for (const refused of [0, 3, 1.5, "-1", null]) {
      expect((await control("POST", `card-tokens/${cardToken}/payment-status`, { payment_status: refused })).status, String(refused)).toBe(400)
    }
  })

  it("forgets a deleted token", async () => {
    const cardToken = await verifiedToken()
    await cards.deleteCardToken(cardToken)
    expect((await control("GET", `card-tokens/${cardToken}`)).status).toBe(404)
    await expect(cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" })).rejects.toBeInstanceOf(
      ClickMerchantApiError,
    )
  })

  it("keeps the full card number nowhere: not in the control answers nor the ledger", async () => {
    const cardToken = await verifiedToken()
    const paid = await cards.payWithCardToken({ cardToken, amountTiyin: 100n, merchantTransId: "o" })
    const answers = [
      (await control("GET", `card-tokens/${cardToken}`)).text,
      (await control("GET", "payments")).text,
      (await control("GET", `payments/${paid.paymentId}`)).text,
      JSON.stringify(double.payments()),
    ]
    for (const text of answers) expect(text).not.toContain(CARD_NUMBER)
    expect(answers[0]).toContain("860012******9012")
  })
})

describe("invoices", () => {
  it("creates an invoice, reports its status, and follows the control API to paid, cancelled or expired, as Click documents them", async () => {
    const { invoiceId } = await cards.createInvoice({ phoneNumber: "+998901234567", amountTiyin: 250_000n, merchantTransId: "order-7" })
    const { text } = await control("GET", `invoices/${invoiceId}`)
    expect(JSON.parse(text)).toMatchObject({
      invoice: { invoice_id: invoiceId, phone_number: "998901234567", amount_tiyin: "250000", merchant_trans_id: "order-7" },
    })
    expect(await cards.invoiceStatus(invoiceId)).toMatchObject({ invoiceStatus: 0 })

    await control("POST", `invoices/${invoiceId}/status`, { status: "cancelled" })
    expect(await cards.invoiceStatus(invoiceId)).toMatchObject({ invoiceStatus: -99, invoiceStatusNote: "cancelled" })
    // Click documents no code for an expired invoice: its one documented negative, and the note says which.
    await control("POST", `invoices/${invoiceId}/status`, { status: "expired" })
    expect(await cards.invoiceStatus(invoiceId)).toMatchObject({ invoiceStatus: -99, invoiceStatusNote: "expired" })
    await control("POST", `invoices/${invoiceId}/status`, { status: "paid" })
    expect(await cards.invoiceStatus(invoiceId)).toMatchObject({ invoiceStatus: 1, invoiceStatusNote: "paid" })
    expect((await control("POST", `invoices/${invoiceId}/status`, { status: "overdue" })).status).toBe(400)
  })

  it("an expired invoice cannot be paid in the app", async () => {
    const { invoiceId } = await cards.createInvoice({ phoneNumber: "+998901234567", amountTiyin: 100_000n, merchantTransId: "cart_04" })
    await control("POST", `invoices/${invoiceId}/status`, { status: "expired" })
    const answer = await control("POST", `invoices/${invoiceId}/pay`, { prepare_url: "http://127.0.0.1:9/prepare", complete_url: "http://127.0.0.1:9/complete" })
    expect(answer.status).toBe(409)
    expect(double.payments()).toEqual([])
  })

  it("answers 404 for an unknown invoice", async () => {
    await expect(cards.invoiceStatus("9999999999")).rejects.toBeInstanceOf(ClickMerchantApiError)
  })

  /** A merchant's callback URLs: verifies each callback with the secret, answers as `answer` says, keeps what came. */
  async function merchant(answer: (kind: CallbackKind) => number) {
    const received: Array<{ kind: CallbackKind; fields: Record<string, string>; verified: boolean }> = []
    const server = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const kind: CallbackKind = request.url === "/prepare" ? "prepare" : "complete"
        const fields = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")))
        const verified = verifyClickCallback(fields, kind, {
          serviceId: config.serviceId,
          secretKey: config.secretKey,
          // The provider's defaults: the double signs callbacks as it sends them, with sign_time now.
          signTimeMaxAgeSec: 300,
          signTimeMaxFutureSec: 60,
        }).ok
        received.push({ kind, fields, verified })
        response.writeHead(200, { "content-type": "application/json" })
        response.end(JSON.stringify({ error: answer(kind), error_note: "", merchant_prepare_id: 41 }))
      })
    })
    server.listen(0, "127.0.0.1")
    await once(server, "listening")
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return {
      received,
      urls: { prepare_url: `${base}/prepare`, complete_url: `${base}/complete` },
      stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  }

  it("an invoice the shopper confirms is paid as Click pays: signed Prepare, the debit in the ledger, signed Complete", async () => {
    const shop = await merchant(() => 0)
    try {
      const { invoiceId } = await cards.createInvoice({ phoneNumber: "+998901234567", amountTiyin: 250_050n, merchantTransId: "cart_01" })
      const paid = await control("POST", `invoices/${invoiceId}/pay`, shop.urls)
      expect(paid.status).toBe(200)
      expect(JSON.parse(paid.text)).toMatchObject({ invoice: { status: "paid" }, result: { error: 0, step: "complete" } })

      expect(shop.received.map((callback) => [callback.kind, callback.verified])).toEqual([["prepare", true], ["complete", true]])
      const [prepare, complete] = shop.received.map((callback) => callback.fields)
      expect(prepare).toMatchObject({ merchant_trans_id: "cart_01", amount: "2500.50", action: "0" })
      expect(complete).toMatchObject({ merchant_trans_id: "cart_01", amount: "2500.50", action: "1", error: "0", merchant_prepare_id: "41" })
      expect(double.payment(complete.click_paydoc_id)).toMatchObject({ merchant_trans_id: "cart_01", amount_tiyin: "250050", status: 2 })
      expect(await cards.invoiceStatus(invoiceId)).toMatchObject({ invoiceStatus: 1 })

      // Paid once: a second confirmation is refused and sends nothing.
      expect((await control("POST", `invoices/${invoiceId}/pay`, shop.urls)).status).toBe(409)
      expect(shop.received).toHaveLength(2)
    } finally {
      await shop.stop()
    }
  })

  it("an invoice whose Prepare the merchant refuses is not paid and no money is taken", async () => {
    const shop = await merchant((kind) => (kind === "prepare" ? -5 : 0))
    try {
      const { invoiceId } = await cards.createInvoice({ phoneNumber: "+998901234567", amountTiyin: 100_000n, merchantTransId: "cart_02" })
      const paid = await control("POST", `invoices/${invoiceId}/pay`, shop.urls)
      expect(JSON.parse(paid.text)).toMatchObject({ invoice: { status: "created" }, result: { error: -5, step: "prepare" } })
      expect(double.payments().filter((payment) => payment.merchant_trans_id === "cart_02")).toEqual([])
      // Click cancels what it had prepared, with a Complete that says so.
      expect(shop.received.map((callback) => [callback.kind, callback.fields.error])).toEqual([["prepare", "0"], ["complete", "-5017"]])
    } finally {
      await shop.stop()
    }
  })

  it("pays nowhere without callback URLs", async () => {
    const { invoiceId } = await cards.createInvoice({ phoneNumber: "+998901234567", amountTiyin: 100_000n, merchantTransId: "cart_03" })
    const answer = await control("POST", `invoices/${invoiceId}/pay`, {})
    expect(answer.status).toBe(400)
    expect(answer.text).toContain("callback URLs")
  })
})
