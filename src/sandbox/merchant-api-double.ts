import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { z } from "zod"
import {
  formatTashkentDate,
  formatTiyinAsSoums,
  fromTashkentWallClock,
  parseSoumsToTiyin,
  verifyMerchantAuthHeader,
  type ClickCardsEndpoint,
  type ClickMerchantEndpoint,
  type MerchantAuthCheck,
} from "../click"
import { playClickPayment } from "./click-payer"
import { cardErrorCode, INVOICE_STATUS, MerchantApiCardsBook } from "./merchant-api-cards-book"
import { DoubleErrorCode } from "./merchant-api-double-codes"
import {
  DoubleInputError,
  MerchantApiLedger,
  type LedgerPayment,
  type PaymentRegistration,
  type ReversalOutcome,
} from "./merchant-api-ledger"

/**
 * A local stand-in for Click's Merchant API, for the sandbox, `npm run dev` and
 * tests: a real HTTP server on node:http that serves Click's paths under
 * `url`, checks the Auth header like Click, keeps a ledger of payments and applies
 * Click's reversal rules (see merchant-api-double-codes.ts for its answers).
 *
 * A control API under `/__double/` (no Auth: it binds to 127.0.0.1 by default)
 * registers payments, reads the ledger and counts reversal calls:
 *
 *   POST   /__double/payments                        register a payment (PaymentRegistration)
 *   GET    /__double/payments                        { payments }
 *   GET    /__double/payments/{payment_id}           { payment }
 *   GET    /__double/payments/{payment_id}/reversal-calls   { payment_id, reversal_calls }
 *   POST   /__double/payments/{payment_id}/settle    { status }: an in-progress payment becomes paid (2) or failed (<0)
 *   GET    /__double/card-tokens/{token}             { card_token }: its masked card number and SMS code
 *   POST   /__double/card-tokens/{token}/expire-code the SMS code expires (verify answers -301)
 *   POST   /__double/card-tokens/{token}/refusal     { refusal: "card_blocked" | "insufficient_funds" | null }
 *   POST   /__double/card-tokens/{token}/payment-status { payment_status: 1 | 2 | <0 }: card_token/payment answers
 *                                                    (and records) the payment still processing, paid, or failed
 *   GET    /__double/invoices/{invoice_id}           { invoice }
 *   POST   /__double/invoices/{invoice_id}/status    { status: "paid" | "cancelled" | "expired" }: only the status changes
 *   POST   /__double/invoices/{invoice_id}/pay       { prepare_url?, complete_url? }: the shopper confirms the
 *                                                    invoice in the Click app; Click's Prepare and Complete go to
 *                                                    the merchant (these URLs, else the option callbackUrls) and
 *                                                    the debit into the ledger → { invoice, result }
 *
 * The same operations are methods of the returned object.
 */
export interface MerchantApiDoubleOptions {
  serviceId: string
  merchantUserId: string
  secretKey: string
  /** Default 0: any free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
  now?: () => Date
  /** Inside a backend process: the double must not keep a process alive that is otherwise done. */
  unref?: boolean
  /** The merchant's Prepare and Complete URLs (Click's cabinet), where a paid invoice's callbacks go. */
  callbackUrls?: { prepareUrl: string; completeUrl: string }
}

export interface MerchantApiDouble {
  /** Base URL of the Click paths, ending in "/": the client's baseUrl. */
  url: string
  /** Base URL of the control API, ending in "/". */
  controlUrl: string
  registerPayment(payment: PaymentRegistration): LedgerPayment
  payments(): LedgerPayment[]
  payment(paymentId: string): LedgerPayment | undefined
  /** Click finishes a payment it had in progress (payment_status 0 or 1): paid (2) or failed (negative). */
  settlePayment(paymentId: string, status: number): LedgerPayment
  /** Requests received on payment/reversal and payment/partial_reversal for it, whatever their outcome. */
  reversalCalls(paymentId: string): number
  stop(): Promise<void>
}

const BASE_PATH = "/v2/merchant/"
const CONTROL_PATH = "/__double/"
const MAX_BODY_BYTES = 64 * 1024
// Click does not publish its tolerance for the Auth timestamp.
const AUTH_MAX_SKEW_SEC = 300

// params: path segments after the service id (submit_items has neither: its body names the service).
const ROUTES: Record<ClickMerchantEndpoint | ClickCardsEndpoint, { method: "GET" | "DELETE" | "POST"; params: number }> = {
  "payment/status": { method: "GET", params: 1 },
  "payment/status_by_mti": { method: "GET", params: 2 },
  "payment/reversal": { method: "DELETE", params: 1 },
  "payment/partial_reversal": { method: "DELETE", params: 2 },
  "payment/ofd_data/submit_items": { method: "POST", params: -1 },
  "payment/ofd_data": { method: "GET", params: 1 },
  "card_token/request": { method: "POST", params: -1 },
  "card_token/verify": { method: "POST", params: -1 },
  "card_token/payment": { method: "POST", params: -1 },
  card_token: { method: "DELETE", params: 1 },
  "invoice/create": { method: "POST", params: -1 },
  "invoice/status": { method: "GET", params: 1 },
}

// Bodies of the POST endpoints that name their service in the body (params: -1 above).
const BODY_ENDPOINTS = new Set<string>(["payment/ofd_data/submit_items", "card_token/request", "card_token/verify", "card_token/payment", "invoice/create"])

const tiyin = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)

/** Click's fiscal item fields and limits (click-protocol.md §7). */
const fiscalItemSchema = z.strictObject({
  Name: z.string().min(1).max(63),
  SPIC: z.string().regex(/^\d{1,17}$/, "must be up to 17 digits"),
  PackageCode: z.string().min(1).max(20),
  Price: tiyin,
  Amount: z.number().int().min(1),
  VAT: tiyin,
  VATPercent: z.number().int().min(0).max(100),
  CommissionInfo: z.union([
    z.strictObject({ TIN: z.string().regex(/^\d{9}$/, "must be 9 digits") }),
    z.strictObject({ PINFL: z.string().regex(/^\d{14}$/, "must be 14 digits") }),
  ]),
  Discount: tiyin.optional(),
  GoodPrice: tiyin.optional(),
  Units: z.number().int().optional(),
  Barcode: z.string().max(13).optional(),
  Labels: z.array(z.string().max(100)).optional(),
  Other: tiyin.optional(),
})

const submitItemsSchema = z.strictObject({
  service_id: z.string().regex(/^\d{1,19}$/),
  payment_id: z.string().regex(/^\d{1,19}$/),
  items: z.array(fiscalItemSchema).min(1).max(500),
  received_ecash: tiyin,
  received_cash: tiyin,
  received_card: tiyin,
})

interface Answer {
  status: number
  body: Record<string, unknown>
}

const AUTH_PROBLEMS: Record<Exclude<MerchantAuthCheck, "ok">, string> = {
  missing: "no Auth header",
  malformed: "the Auth header is not merchant_user_id:digest:timestamp",
  unknown_user: "unknown merchant_user_id",
  bad_digest: "the digest does not match",
  stale: "the timestamp is too far from the server's clock",
}

export async function startMerchantApiDouble(options: MerchantApiDoubleOptions): Promise<MerchantApiDouble> {
  const now = options.now ?? (() => new Date())
  const ledger = new MerchantApiLedger(options.serviceId, now)
  const reversalCalls = new Map<string, number>()
  const cards = new MerchantApiCardsBook()

  async function merchantApi(request: IncomingMessage, path: string, body: Buffer): Promise<Answer> {
    const raw = path.split("/")
    const endpoint = BODY_ENDPOINTS.has(path) ? path : raw[0] === "card_token" ? raw[0] : `${raw[0]}/${raw[1]}`
    const fixedSegments = endpoint.split("/").length
    if (!isEndpoint(endpoint) || (!BODY_ENDPOINTS.has(endpoint) && raw.length !== fixedSegments + 1 + ROUTES[endpoint].params)) {
      return failure(404, DoubleErrorCode.NotFound, "Not found")
    }
    if (request.method !== ROUTES[endpoint].method) {
      return failure(405, DoubleErrorCode.MethodNotAllowed, `Method not allowed: use ${ROUTES[endpoint].method}`)
    }
    const segments = BODY_ENDPOINTS.has(endpoint) ? [] : decodeSegments(raw.slice(fixedSegments))
    if (!segments) return failure(400, DoubleErrorCode.BadRequest, "Bad request: malformed path")
    const [serviceId, ...params] = segments
    if (endpoint === "payment/reversal" || endpoint === "payment/partial_reversal") {
      reversalCalls.set(params[0], (reversalCalls.get(params[0]) ?? 0) + 1)
    }

    return merchantApiAnswer(request, endpoint, serviceId, params, body)
  }

  async function merchantApiAnswer(
    request: IncomingMessage,
    endpoint: ClickMerchantEndpoint | ClickCardsEndpoint,
    serviceId: string,
    params: string[],
    body: Buffer
  ): Promise<Answer> {

    const auth = verifyMerchantAuthHeader(singleHeader(request.headers.auth), {
      merchantUserId: options.merchantUserId,
      secretKey: options.secretKey,
      now: now(),
      maxSkewSec: AUTH_MAX_SKEW_SEC,
    })
    if (auth !== "ok") {
      return failure(401, DoubleErrorCode.AuthorizationFailed, `Authorization failed: ${AUTH_PROBLEMS[auth]}`)
    }
    if (endpoint === "payment/ofd_data/submit_items") return submitFiscalItems(body)
    if (BODY_ENDPOINTS.has(endpoint)) return cardsBodyOperation(endpoint, body)
    if (serviceId !== options.serviceId) {
      return failure(403, DoubleErrorCode.AccessDenied, `Access denied: service_id ${serviceId} is not this merchant user's service`)
    }
    if (endpoint === "card_token") {
      return cards.forgetToken(params[0]) ? success({}) : failure(404, DoubleErrorCode.NotFound, "Card token not found")
    }
    if (endpoint === "invoice/status") {
      const invoice = cards.invoice(params[0])
      if (!invoice) return failure(404, DoubleErrorCode.NotFound, "Invoice not found")
      return success({ invoice_status: INVOICE_STATUS[invoice.status], invoice_status_note: invoice.status })
    }
    if (isCardsEndpoint(endpoint)) return failure(404, DoubleErrorCode.NotFound, "Not found")
    return clickOperation(endpoint, serviceId, params)
  }

  /** card_token/request, verify, payment and invoice/create: the service and the fields are in the JSON body. */
  function cardsBodyOperation(endpoint: string, body: Buffer): Answer {
    // Numbers are read as the digits that were sent: ids may exceed 2^53 and amounts are exact decimals.
    const text = body.toString("utf8").replace(/("(?:service_id|amount|sms_code)"\s*:\s*)(\d+(?:\.\d+)?)/g, '$1"$2"')
    const parsed = cardsBodySchema.safeParse(parseJson(Buffer.from(text)))
    if (!parsed.success) return failure(400, DoubleErrorCode.BadRequest, `Bad request: ${parsed.error.issues[0].path.join(".") || "body"}`)
    const fields = parsed.data
    if (fields.service_id !== options.serviceId) {
      return failure(403, DoubleErrorCode.AccessDenied, `Access denied: service_id ${fields.service_id} is not this merchant user's service`)
    }
    if (endpoint === "card_token/request") {
      if (!fields.card_number || !/^\d{16}$/.test(fields.card_number)) return failure(400, DoubleErrorCode.BadRequest, "Bad request: card_number")
      const token = cards.issueToken(fields.card_number)
      return success({ card_token: token.card_token, phone_number: "+998*****4567" })
    }
    const token = fields.card_token === undefined ? undefined : cards.token(fields.card_token)
    if (endpoint === "card_token/verify") {
      if (!token) return failure(404, DoubleErrorCode.NotFound, "Card token not found")
      if (token.sms_code_expired) return failure(200, cardErrorCode("sms_code_expired"), "SMS code expired")
      if (fields.sms_code !== token.sms_code) return failure(200, cardErrorCode("sms_code_wrong"), "Wrong SMS code")
      token.verified = true
      return success({ card_number: token.masked_card_number })
    }
    const amount = fields.amount === undefined ? null : parseSoumsToTiyin(fields.amount)
    if (amount === null || amount === 0n) return failure(400, DoubleErrorCode.BadRequest, "Bad request: amount")
    if (endpoint === "card_token/payment") {
      if (!token || !token.verified) return failure(404, DoubleErrorCode.NotFound, "Card token not found or not verified")
      if (token.refusal) return failure(200, cardErrorCode(token.refusal), `Payment refused: ${token.refusal}`)
      if (!fields.transaction_parameter) return failure(400, DoubleErrorCode.BadRequest, "Bad request: transaction_parameter")
      const payment = ledger.register({ merchant_trans_id: fields.transaction_parameter, amount_tiyin: amount, status: token.payment_status })
      return success({ payment_id: idForJson(payment.payment_id), payment_status: payment.status })
    }
    if (!fields.phone_number || !fields.merchant_trans_id) return failure(400, DoubleErrorCode.BadRequest, "Bad request: phone_number and merchant_trans_id")
    const invoice = cards.createInvoice({
      phone_number: fields.phone_number,
      amount_tiyin: amount.toString(),
      merchant_trans_id: fields.merchant_trans_id,
    })
    return success({ invoice_id: idForJson(invoice.invoice_id) })
  }

  /** Click's checks on a receipt: its fields and limits, the payment, and the sums to the tiyin. */
  function submitFiscalItems(body: Buffer): Answer {
    // Ids may exceed 2^53: read them as the digits that were sent.
    const text = body.toString("utf8").replace(/("(?:service_id|payment_id)"\s*:\s*)(\d+)/g, '$1"$2"')
    const parsed = submitItemsSchema.safeParse(parseJson(Buffer.from(text)))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return failure(200, DoubleErrorCode.ReceiptRefused, `Receipt refused: ${issue.path.join(".") || "body"}: ${issue.message}`)
    }
    const receipt = parsed.data
    if (receipt.service_id !== options.serviceId) {
      return failure(403, DoubleErrorCode.AccessDenied, `Access denied: service_id ${receipt.service_id} is not this merchant user's service`)
    }
    const payment = ledger.find(receipt.service_id, receipt.payment_id)
    if (!payment) return failure(404, DoubleErrorCode.NotFound, "Payment not found")
    const paid = BigInt(payment.amount_tiyin)
    const itemsTotal = receipt.items.reduce((sum, item) => sum + BigInt(item.Price) - BigInt(item.Discount ?? 0), 0n)
    const received = BigInt(receipt.received_ecash) + BigInt(receipt.received_cash) + BigInt(receipt.received_card)
    if (itemsTotal !== paid || received !== paid) {
      return failure(
        200,
        DoubleErrorCode.ReceiptRefused,
        `Receipt refused: items sum to ${itemsTotal} tiyin and ${received} tiyin were received, the payment is ${paid} tiyin`
      )
    }
    const badVat = receipt.items.find((item) => item.VAT > item.Price - (item.Discount ?? 0))
    if (badVat) return failure(200, DoubleErrorCode.ReceiptRefused, `Receipt refused: ${badVat.Name}: VAT exceeds the price`)
    const { items, received_ecash, received_cash, received_card } = receipt
    if (!ledger.recordFiscalReceipt(receipt.payment_id, { items, received_ecash, received_cash, received_card })) {
      return failure(200, DoubleErrorCode.ReceiptAlreadySubmitted, "Receipt already submitted")
    }
    return success({ payment_id: idForJson(receipt.payment_id) })
  }

  function clickOperation(endpoint: ClickMerchantEndpoint, serviceId: string, params: string[]): Answer {
    if (endpoint === "payment/status_by_mti") {
      const [merchantTransId, day] = params
      if (!isTashkentDay(day)) return failure(400, DoubleErrorCode.BadRequest, "Bad request: the date is not YYYY-MM-DD")
      const payment = ledger.findByMerchantTransId(serviceId, merchantTransId, day)
      if (!payment) return failure(404, DoubleErrorCode.NotFound, "Payment not found")
      return success({ payment_id: idForJson(payment.payment_id), merchant_trans_id: payment.merchant_trans_id })
    }

    const [paymentId, amountSegment] = params
    if (!/^\d{1,19}$/.test(paymentId)) return failure(400, DoubleErrorCode.BadRequest, "Bad request: payment_id is not a number")
    if (endpoint === "payment/ofd_data") {
      const receipt = ledger.find(serviceId, paymentId)?.fiscal_receipt
      if (!receipt) return failure(404, DoubleErrorCode.NotFound, "Receipt not found")
      return success({ payment_id: idForJson(paymentId), qrCodeURL: receipt.qr_code_url })
    }
    if (endpoint === "payment/status") {
      const payment = ledger.find(serviceId, paymentId)
      if (!payment) return failure(404, DoubleErrorCode.NotFound, "Payment not found")
      return success({ payment_id: idForJson(paymentId), payment_status: payment.status })
    }
    if (endpoint === "payment/reversal") return reversalAnswer(ledger.reverse(serviceId, paymentId), paymentId)

    const amount = parseSoumsToTiyin(amountSegment)
    if (amount === null || amount === 0n) {
      return failure(400, DoubleErrorCode.BadRequest, "Bad request: the amount is not a positive sum in soums")
    }
    return reversalAnswer(ledger.reverse(serviceId, paymentId, amount), paymentId)
  }

  /**
   * The shopper confirms an invoice in the Click app: Click pays it as it pays
   * on its page (click-payer.ts), signed with this merchant's secret key. The
   * invoice is paid once the merchant accepted the Complete.
   */
  async function payInvoice(invoiceId: string, body: Buffer): Promise<Answer> {
    const invoice = cards.invoice(invoiceId)
    if (!invoice) return failure(404, DoubleErrorCode.NotFound, "Invoice not found")
    if (invoice.status !== "created") throw new DoubleInputError(409, `invoice ${invoiceId} is ${invoice.status}`)
    const fields = z
      .object({ prepare_url: z.url().optional(), complete_url: z.url().optional() })
      .safeParse(body.length ? parseJson(body) : {})
    if (!fields.success) throw new DoubleInputError(400, "prepare_url and complete_url must be URLs")
    const prepareUrl = fields.data.prepare_url ?? options.callbackUrls?.prepareUrl
    const completeUrl = fields.data.complete_url ?? options.callbackUrls?.completeUrl
    if (!prepareUrl || !completeUrl) throw new DoubleInputError(400, "no callback URLs: give prepare_url and complete_url, or start the double with callbackUrls")
    const result = await playClickPayment(
      { serviceId: options.serviceId, secretKey: options.secretKey, prepareUrl, completeUrl },
      { merchantTransId: invoice.merchant_trans_id, amount: formatTiyinAsSoums(BigInt(invoice.amount_tiyin)), decline: false },
      async (payment) => void ledger.register(payment)
    )
    if (result.error === 0) cards.setInvoiceStatus(invoiceId, "paid")
    return { status: 200, body: { invoice: cards.invoice(invoiceId), result } }
  }

  async function control(method: string | undefined, path: string, body: Buffer): Promise<Answer> {
    const payMatch = /^invoices\/([^/]+)\/pay$/.exec(path)
    if (payMatch) {
      if (method !== "POST") return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
      return payInvoice(decodeSegments([payMatch[1]])?.[0] ?? "", body)
    }
    const cardsMatch = /^(card-tokens|invoices)\/([^/]+)(\/expire-code|\/refusal|\/payment-status|\/status)?$/.exec(path)
    if (cardsMatch) return cardsControl(method, cardsMatch[1], decodeSegments([cardsMatch[2]])?.[0] ?? "", cardsMatch[3], body)
    if (path === "payments") {
      if (method === "GET") return { status: 200, body: { payments: ledger.list() } }
      if (method === "POST") return { status: 201, body: { payment: ledger.register(parseJson(body)) } }
      return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
    }
    const match = /^payments\/([^/]+)(\/reversal-calls|\/settle)?$/.exec(path)
    const paymentId = match ? decodeSegments([match[1]])?.[0] : undefined
    if (!match || !paymentId) return failure(404, DoubleErrorCode.NotFound, "Not found")
    if (match[2] === "/settle") {
      if (method !== "POST") return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
      const { status } = (parseJson(body) ?? {}) as { status?: unknown }
      return { status: 200, body: { payment: ledger.settle(paymentId, typeof status === "number" ? status : Number.NaN) } }
    }
    if (method !== "GET") return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
    if (match[2]) {
      return { status: 200, body: { payment_id: paymentId, reversal_calls: reversalCalls.get(paymentId) ?? 0 } }
    }
    const payment = ledger.get(paymentId)
    return payment ? { status: 200, body: { payment } } : failure(404, DoubleErrorCode.NotFound, "Payment not found")
  }

  function cardsControl(method: string | undefined, kind: string, id: string, action: string | undefined, body: Buffer): Answer {
    if (method !== (action ? "POST" : "GET")) return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
    const fields = (action && action !== "/expire-code" ? parseJson(body) ?? {} : {}) as { refusal?: unknown; status?: unknown; payment_status?: unknown }
    if (kind === "invoices") {
      if (action === "/status") return { status: 200, body: { invoice: cards.setInvoiceStatus(id, fields.status) } }
      const invoice = action ? undefined : cards.invoice(id)
      return invoice ? { status: 200, body: { invoice } } : failure(404, DoubleErrorCode.NotFound, "Invoice not found")
    }
    if (action === "/expire-code") return { status: 200, body: { card_token: cards.expireSmsCode(id) } }
    if (action === "/refusal") return { status: 200, body: { card_token: cards.setRefusal(id, fields.refusal ?? null) } }
    if (action === "/payment-status") return { status: 200, body: { card_token: cards.setPaymentStatus(id, fields.payment_status) } }
    const token = action ? undefined : cards.token(id)
    return token ? { status: 200, body: { card_token: token } } : failure(404, DoubleErrorCode.NotFound, "Card token not found")
  }

  async function answer(request: IncomingMessage): Promise<Answer> {
    const body = await readBody(request)
    if (body === null) return failure(413, DoubleErrorCode.BodyTooLarge, "Request body too large")
    const { pathname } = new URL(request.url ?? "/", "http://double.invalid")
    try {
      if (pathname.startsWith(CONTROL_PATH)) return await control(request.method, pathname.slice(CONTROL_PATH.length), body)
      if (pathname.startsWith(BASE_PATH)) return await merchantApi(request, pathname.slice(BASE_PATH.length), body)
      return failure(404, DoubleErrorCode.NotFound, "Not found")
    } catch (error) {
      if (error instanceof DoubleInputError) {
        const code = error.httpStatus === 409 ? DoubleErrorCode.Conflict : DoubleErrorCode.BadRequest
        return failure(error.httpStatus, code, error.message)
      }
      throw error
    }
  }

  const server = createServer((request, response) => {
    answer(request)
      // Never a stack trace in an answer.
      .catch(() => failure(500, DoubleErrorCode.Internal, "Internal error"))
      .then((result) => {
        const text = JSON.stringify(result.body)
        response.writeHead(result.status, {
          "Content-Type": "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
        })
        response.end(text)
      })
  })

  const host = options.host ?? "127.0.0.1"
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  if (options.unref) server.unref()
  const { port } = server.address() as AddressInfo
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`

  return {
    url: origin + BASE_PATH,
    controlUrl: origin + CONTROL_PATH,
    registerPayment: (payment) => ledger.register(payment),
    payments: () => ledger.list(),
    payment: (paymentId) => ledger.get(paymentId),
    settlePayment: (paymentId, status) => ledger.settle(paymentId, status),
    reversalCalls: (paymentId) => reversalCalls.get(paymentId) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function isEndpoint(value: string): value is ClickMerchantEndpoint | ClickCardsEndpoint {
  return Object.prototype.hasOwnProperty.call(ROUTES, value)
}

function isCardsEndpoint(value: string): value is ClickCardsEndpoint {
  return value.startsWith("card_token") || value.startsWith("invoice/")
}

// Which fields each endpoint needs is checked where it is answered.
const cardsBodySchema = z.object({
  service_id: z.string(),
  card_number: z.string().optional(),
  card_token: z.string().optional(),
  sms_code: z.string().optional(),
  amount: z.string().optional(),
  transaction_parameter: z.string().optional(),
  phone_number: z.string().optional(),
  merchant_trans_id: z.string().optional(),
})

function decodeSegments(segments: string[]): string[] | null {
  try {
    const decoded = segments.map(decodeURIComponent)
    return decoded.every((segment) => segment !== "") ? decoded : null
  } catch {
    return null
  }
}

function isTashkentDay(day: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day)
  if (!match) return false
  const [year, month, date] = match.slice(1).map(Number)
  const midnight = fromTashkentWallClock({ year, month, day: date, hour: 0, minute: 0, second: 0 })
  // Feb 30 rolls over to another day and does not format back to itself.
  return formatTashkentDate(midnight) === day
}

function reversalAnswer(outcome: ReversalOutcome, paymentId: string): Answer {
  if (!outcome.ok) return failure(outcome.refusal.httpStatus, outcome.refusal.error_code, outcome.refusal.error_note)
  return success({ payment_id: idForJson(paymentId) })
}

function success(fields: Record<string, unknown>): Answer {
  return { status: 200, body: { error_code: 0, error_note: "Success", ...fields } }
}

function failure(status: number, errorCode: number, errorNote: string): Answer {
  return { status, body: { error_code: errorCode, error_note: errorNote } }
}

// Click sends ids as JSON numbers; above 2^53 (or with leading zeros) a number
// would change the value, so those stay strings.
function idForJson(id: string): number | string {
  const asNumber = Number(id)
  return Number.isSafeInteger(asNumber) && String(asNumber) === id ? asNumber : id
}

function singleHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"))
  } catch {
    throw new DoubleInputError(400, "Bad request: the body is not JSON")
  }
}

/** The body, or null when it exceeds MAX_BODY_BYTES (the rest is read and dropped, so the 413 reaches the client). */
function readBody(request: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    request.on("data", (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
      else chunks.length = 0
    })
    request.on("end", () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : null))
    request.on("error", reject)
  })
}
