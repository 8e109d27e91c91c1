import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import {
  cardRefusalOf,
  CLICK_CARD_ERROR_CODES,
  ClickMerchantApiError,
  ClickMerchantCardsClient,
  invoiceStateOf,
  passesLuhn,
  verifyMerchantAuthHeader,
} from "../../../src/click"

const credentials = { serviceId: "39123", merchantUserId: "34567", secretKey: "s3cr3t-KEY" }
// Passes Luhn; a test card number, never a real one.
const CARD = "8600123412341239"
const SMS = "482913"

interface Received {
  method: string
  url: string
  auth: string | undefined
  body: string
}

interface Reply {
  status?: number
  /** Sent as is, so tests control the exact JSON text (64-bit ids). */
  json: string
}

// A real HTTP server: each test says what it answers, and sees what arrived.
describe("ClickMerchantCardsClient over HTTP", () => {
  let server: Server
  let baseUrl: string
  let received: Received[]
  let replies: ((request: Received) => Reply)[]

  beforeEach(async () => {
    received = []
    replies = []
    server = createServer((request, response) => {
      let body = ""
      request.setEncoding("utf8")
      request.on("data", (chunk: string) => (body += chunk))
      request.on("end", () => {
        const arrived = {
          method: request.method ?? "",
          url: request.url ?? "",
          auth: request.headers.auth as string | undefined,
          body,
        }
        received.push(arrived)
        const reply = (replies.shift() ?? (() => ({ status: 500, json: "{}" })))(arrived)
        response.writeHead(reply.status ?? 200, { "Content-Type": "application/json" })
        response.end(reply.json)
      })
    })
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v2/merchant/`
  })

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  function answer(json: string, status = 200): void {
    replies.push(() => ({ status, json }))
  }

  function client(): ClickMerchantCardsClient {
    return new ClickMerchantCardsClient({ ...credentials, baseUrl, sleep: async () => {}, random: () => 0 })
  }

  async function failure(promise: Promise<unknown>): Promise<ClickMerchantApiError> {
    const error = await promise.then(
      () => expect.unreachable("the call should have failed"),
      (error: unknown) => error,
    )
    expect(error).toBeInstanceOf(ClickMerchantApiError)
    return error as ClickMerchantApiError
  }

  it("requests a card token with Click's fields, signed, and reads the masked phone", async () => {
    answer('{"error_code":0,"error_note":"Success","card_token":"3B1DF3F1-7358-407C-B57F-0F6351310803","phone_number":"99890***1234","temporary":1}')
    const token = await client().requestCardToken({ cardNumber: CARD, expireDate: "0327", temporary: true })

    expect(token).toEqual({ cardToken: "3B1DF3F1-7358-407C-B57F-0F6351310803", phoneNumber: "99890***1234" })
    expect(received).toHaveLength(1)
    expect(received[0]).toMatchObject({ method: "POST", url: "/v2/merchant/card_token/request" })
    expect(received[0].body).toBe(`{"service_id":39123,"temporary":1,"card_number":"${CARD}","expire_date":"0327"}`)
    const auth = verifyMerchantAuthHeader(received[0].auth, { ...credentials, now: new Date(), maxSkewSec: 5 })
    expect(auth).toBe("ok")
  })

  it("asks for a saved token with temporary=0", async () => {
    answer('{"error_code":0,"card_token":"abc-1","phone_number":"+99890***1234"}')
    await client().requestCardToken({ cardNumber: CARD, expireDate: "1229", temporary: false })
    expect(JSON.parse(received[0].body)).toMatchObject({ temporary: 0, expire_date: "1229" })
  })

  it.each([
    ["a mistyped digit (Luhn)", { cardNumber: "8600123412341238", expireDate: "0327" }],
    ["15 digits", { cardNumber: "860012341234123", expireDate: "0327" }],
    ["spaces", { cardNumber: "8600 1234 1234 1239", expireDate: "0327" }],
    ["month 13", { cardNumber: CARD, expireDate: "1327" }],
    ["month 00", { cardNumber: CARD, expireDate: "0027" }],
    ["YYMM", { cardNumber: CARD, expireDate: "2712" }],
  ])("refuses %s before anything is sent, without echoing the number", async (_, fields) => {
    const error = await client()
      .requestCardToken({ ...fields, temporary: false } as { cardNumber: string; expireDate: string; temporary: boolean })
      .then(
        () => expect.unreachable("the input should have been refused"),
        (error: unknown) => error as Error,
      )
    expect(received).toHaveLength(0)
    expect(error.message).not.toMatch(/8600\D?1234\D?1234/)
    expect(JSON.stringify(error)).not.toMatch(/8600\D?1234\D?1234/)
  })

  it("never puts the card number in an error, even when Click's answer echoes it", async () => {
    answer(`{"error_code":-500,"error_note":"Card ${CARD} / 8600 1234 1234 1239 not accepted"}`, 400)
    const error = await failure(client().requestCardToken({ cardNumber: CARD, expireDate: "0327", temporary: false }))

    expect(error).toMatchObject({ kind: "refused", errorCode: -500, httpStatus: 400 })
    expect(error.errorNote).toBe("Card [redacted] / [redacted] not accepted")
    for (const text of [error.message, error.errorNote ?? "", String(error.stack), JSON.stringify(error)]) {
      expect(text).not.toMatch(/8600\D?1234\D?1234\D?1239/)
    }
  })

  it("never puts the SMS code in an error, even when Click's answer echoes it", async () => {
    answer(`{"error_code":-302,"error_note":"code ${SMS} is wrong"}`)
    const error = await failure(client().verifyCardToken({ cardToken: "abc-1", smsCode: SMS }))

    expect(error.errorNote).toBe("code [redacted] is wrong")
    expect(error.message).not.toContain(SMS)
    expect(String(error.stack)).not.toContain(SMS)
    expect(JSON.stringify(error)).not.toContain(SMS)
  })

  it("verifies a token with the SMS code as a number and reads the masked card", async () => {
    answer('{"error_code":0,"error_note":"Success","card_number":"8600 12** **** 1239"}')
    expect(await client().verifyCardToken({ cardToken: "abc-1", smsCode: SMS })).toEqual({
      cardNumber: "8600 12** **** 1239",
    })
    expect(received[0]).toMatchObject({ method: "POST", url: "/v2/merchant/card_token/verify" })
    expect(received[0].body).toBe(`{"service_id":39123,"sms_code":${SMS},"card_token":"abc-1"}`)
  })

  it("refuses an answer that carries an unmasked card number, without repeating it", async () => {
    answer(`{"error_code":0,"card_number":"${CARD}"}`)
    const error = await failure(client().verifyCardToken({ cardToken: "abc-1", smsCode: SMS }))
    expect(error).toMatchObject({ kind: "unavailable", endpoint: "card_token/verify" })
    expect(error.message).toContain("card_number")
    expect(error.message).not.toContain(CARD)
  })

  it("names SMS expired (-301), the assumed codes, and nothing else", async () => {
    const refusalFor = async (code: number) => {
      answer(`{"error_code":${code},"error_note":"no"}`)
      return cardRefusalOf(await failure(client().verifyCardToken({ cardToken: "abc-1", smsCode: SMS })))
    }
    expect(await refusalFor(-301)).toBe("sms_code_expired")
    expect(await refusalFor(-302)).toBe("sms_code_wrong")
    expect(await refusalFor(-303)).toBe("card_blocked")
    expect(await refusalFor(-5017)).toBe("insufficient_funds")
    expect(await refusalFor(-31)).toBeNull()
    expect(cardRefusalOf(new Error("-301"))).toBeNull()
    // Only -301 is in Click's public material; the table says which are ours.
    expect(CLICK_CARD_ERROR_CODES.filter((entry) => entry.documented).map((entry) => entry.code)).toEqual([-301])
  })

  it("pays with a token: the amount in soums written from tiyin, a 64-bit payment_id kept exact", async () => {
    answer('{"error_code":0,"error_note":"Success","payment_id":9223372036854775807,"payment_status":1}')
    const payment = await client().payWithCardToken({
      cardToken: "abc-1",
      amountTiyin: 1_234_567n,
      merchantTransId: "cart_01",
    })
    expect(payment).toEqual({ paymentId: "9223372036854775807", paymentStatus: 1 })
    expect(received[0]).toMatchObject({ method: "POST", url: "/v2/merchant/card_token/payment" })
    expect(received[0].body).toBe(
      '{"service_id":39123,"amount":12345.67,"card_token":"abc-1","transaction_parameter":"cart_01"}',
    )
  })

  it("never repeats a debit whose answer was lost (HTTP 502)", async () => {
    answer("{}", 502)
    answer('{"error_code":0,"payment_id":1,"payment_status":2}')
    const error = await failure(
      client().payWithCardToken({ cardToken: "abc-1", amountTiyin: 100n, merchantTransId: "cart_01" }),
    )
    expect(error).toMatchObject({ kind: "unavailable", httpStatus: 502, attempts: 1, mayHaveReachedClick: true })
    expect(received).toHaveLength(1)
  })

  it("refuses a zero amount and a bad token before anything is sent", async () => {
    await expect(
      client().payWithCardToken({ cardToken: "abc-1", amountTiyin: 0n, merchantTransId: "cart_01" }),
    ).rejects.toThrow(/positive/)
    await expect(client().deleteCardToken("../payment/reversal")).rejects.toThrow(/card token/)
    expect(received).toHaveLength(0)
  })

  it("deletes a token at DELETE card_token/{service_id}/{token}, retrying a 503", async () => {
    answer("{}", 503)
    answer('{"error_code":0,"error_note":"Success"}')
    await client().deleteCardToken("3B1DF3F1-7358")
    expect(received.map((request) => `${request.method} ${request.url}`)).toEqual([
      "DELETE /v2/merchant/card_token/39123/3B1DF3F1-7358",
      "DELETE /v2/merchant/card_token/39123/3B1DF3F1-7358",
    ])
  })

  it("creates an invoice for a +998 phone, and keeps a 64-bit invoice_id exact", async () => {
    answer('{"error_code":0,"error_note":"Success","invoice_id":9007199254740993}')
    const invoice = await client().createInvoice({
      phoneNumber: "+998901234567",
      amountTiyin: 4_850_000n,
      merchantTransId: "cart_02",
    })
    expect(invoice).toEqual({ invoiceId: "9007199254740993" })
    expect(received[0]).toMatchObject({ method: "POST", url: "/v2/merchant/invoice/create" })
    expect(received[0].body).toBe(
      '{"service_id":39123,"amount":48500.00,"phone_number":"998901234567","merchant_trans_id":"cart_02"}',
    )
  })

  it.each(["998901234567", "+99890123456", "+9989012345678", "+79011234567", "+998 90 123 45 67"])(
    "refuses the phone %s before anything is sent",
    async (phoneNumber) => {
      await expect(
        client().createInvoice({ phoneNumber, amountTiyin: 100n, merchantTransId: "cart_02" }),
      ).rejects.toThrow(/\+998/)
      expect(received).toHaveLength(0)
    },
  )

  it("reads invoice/status at GET invoice/status/{service_id}/{invoice_id}", async () => {
    answer('{"error_code":0,"invoice_status":-99,"invoice_status_note":"Deleted"}')
    answer('{"error_code":0,"invoice_status":0}')
    expect(await client().invoiceStatus("9007199254740993")).toEqual({
      invoiceStatus: -99,
      invoiceStatusNote: "Deleted",
    })
    expect(await client().invoiceStatus("12")).toEqual({ invoiceStatus: 0, invoiceStatusNote: null })
    expect(received.map((request) => `${request.method} ${request.url}`)).toEqual([
      "GET /v2/merchant/invoice/status/39123/9007199254740993",
      "GET /v2/merchant/invoice/status/39123/12",
    ])
  })

  it("refuses an invoice/status answer without a status", async () => {
    answer('{"error_code":0,"invoice_status":"paid"}')
    const error = await failure(client().invoiceStatus("12"))
    expect(error).toMatchObject({ kind: "unavailable", endpoint: "invoice/status" })
    expect(error.message).toContain("invoice_status")
  })
})

describe("passesLuhn", () => {
  it.each([
    ["8600123412341239", true],
    ["4111111111111111", true],
    ["4111111111111112", false],
    ["8600123412341238", false],
  ])("%s → %s", (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected)
  })
})

describe("invoiceStateOf", () => {
  it("reads Click's undocumented invoice_status as we assume: negative cancelled or expired, 0 waiting, positive paid", () => {
    expect([-99, -1, 0, 1, 2].map(invoiceStateOf)).toEqual(["cancelled", "cancelled", "waiting", "paid", "paid"])
  })
})
