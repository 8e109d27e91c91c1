import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { z } from "zod"
import {
  formatTashkentDate,
  fromTashkentWallClock,
  parseSoumsToTiyin,
  verifyMerchantAuthHeader,
  type ClickMerchantEndpoint,
  type MerchantAuthCheck,
} from "../click"
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
 * registers payments, reads the ledger, counts reversal calls and injects faults:
 *
 *   POST   /__double/payments                        register a payment (PaymentRegistration)
 *   GET    /__double/payments                        { payments }
 *   GET    /__double/payments/{payment_id}           { payment }
 *   GET    /__double/payments/{payment_id}/reversal-calls   { payment_id, reversal_calls }
 *   POST   /__double/payments/{payment_id}/settle    { status }: an in-progress payment becomes paid (2) or failed (<0)
 *   POST   /__double/faults                          queue a fault (MerchantApiFault)
 *   DELETE /__double/faults                          clear all faults
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
  injectFault(fault: MerchantApiFault): void
  clearFaults(): void
  /** Requests a hang fault holds right now. */
  heldRequests(): number
  stop(): Promise<void>
}

const BASE_PATH = "/v2/merchant/"
const CONTROL_PATH = "/__double/"
const MAX_BODY_BYTES = 64 * 1024
// Click does not publish its tolerance for the Auth timestamp.
const AUTH_MAX_SKEW_SEC = 300

// params: path segments after the service id (submit_items has neither: its body names the service).
const ROUTES: Record<ClickMerchantEndpoint, { method: "GET" | "DELETE" | "POST"; params: number }> = {
  "payment/status": { method: "GET", params: 1 },
  "payment/status_by_mti": { method: "GET", params: 2 },
  "payment/reversal": { method: "DELETE", params: 1 },
  "payment/partial_reversal": { method: "DELETE", params: 2 },
  "payment/ofd_data/submit_items": { method: "POST", params: 0 },
  "payment/ofd_data": { method: "GET", params: 1 },
}

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

const endpointSchema = z.enum(Object.keys(ROUTES) as [ClickMerchantEndpoint, ...ClickMerchantEndpoint[]])
const timesSchema = z.number().int().min(1).max(1000).default(1)

/**
 * The next `times` requests to `endpoint` (default 1):
 * - http_error: answer `http_status` (default 503) without acting;
 * - hang: wait `ms`, then act and answer as usual: Click acted, but too late for
 *   a client with a shorter timeout;
 * - click_error: answer `error_code`/`error_note` (HTTP `http_status`, default 200) without acting.
 * - lost_answer: act as usual, then lose the answer: the connection is reset (`as: "reset"`, the
 *   default) or a proxy answers 502 (`as: "http_502"`). Click did it; the client cannot know.
 * - http_answer: answer `http_status` (300–599) with `body` as it is (default empty, `content_type`
 *   default text/html) and, when given, a `location` header, without acting: a redirect, a proxy's
 *   bare 404 page, anything that is not Click's JSON.
 */
const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("http_error"),
    http_status: z.number().int().min(500).max(599).default(503),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("hang"),
    ms: z.number().int().min(0).max(600_000),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("click_error"),
    error_code: z.number().int().refine((code) => code !== 0, "must not be 0 (success)"),
    error_note: z.string().max(1024),
    http_status: z.number().int().min(200).max(599).default(200),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("lost_answer"),
    as: z.enum(["reset", "http_502"]).default("reset"),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("http_answer"),
    http_status: z.number().int().min(300).max(599),
    body: z.string().max(4096).default(""),
    content_type: z.string().max(100).default("text/html; charset=utf-8"),
    location: z.string().max(2048).optional(),
    times: timesSchema,
  }),
])

export type MerchantApiFault = z.input<typeof faultSchema>
type Fault = z.output<typeof faultSchema>

interface Answer {
  status: number
  body: Record<string, unknown>
  /** Sent as it is instead of `body` as JSON (an http_answer fault). */
  raw?: { text: string; contentType: string; location?: string }
  /** A lost_answer fault: what happens to this answer on its way back. */
  lost?: "reset" | "http_502"
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
  const faults: { fault: Fault; remaining: number }[] = []
  const reversalCalls = new Map<string, number>()
  // Releases for requests held by a hang fault, so stop() does not wait for them.
  const hangs = new Set<() => void>()

  function injectFault(input: unknown): Fault {
    const parsed = faultSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new DoubleInputError(400, `Invalid fault: ${issue.path.join(".") || "body"}: ${issue.message}`)
    }
    faults.push({ fault: parsed.data, remaining: parsed.data.times })
    return parsed.data
  }

  function takeFault(endpoint: ClickMerchantEndpoint): Fault | undefined {
    const index = faults.findIndex((queued) => queued.fault.endpoint === endpoint)
    if (index === -1) return undefined
    const queued = faults[index]
    if (--queued.remaining === 0) faults.splice(index, 1)
    return queued.fault
  }

  /** Resolves true after `ms`, or false as soon as the double stops. */
  function hang(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer)
        hangs.delete(release)
        resolve(false)
      }
      const timer = setTimeout(() => {
        hangs.delete(release)
        resolve(true)
      }, ms)
      hangs.add(release)
    })
  }

  async function merchantApi(request: IncomingMessage, path: string, body: Buffer): Promise<Answer | null> {
    const raw = path.split("/")
    const endpoint = path === "payment/ofd_data/submit_items" ? path : `${raw[0]}/${raw[1]}`
    if (!isEndpoint(endpoint) || raw.length !== 3 + ROUTES[endpoint].params) {
      return failure(404, DoubleErrorCode.NotFound, "Not found")
    }
    if (request.method !== ROUTES[endpoint].method) {
      return failure(405, DoubleErrorCode.MethodNotAllowed, `Method not allowed: use ${ROUTES[endpoint].method}`)
    }
    const segments = endpoint === "payment/ofd_data/submit_items" ? [] : decodeSegments(raw.slice(2))
    if (!segments) return failure(400, DoubleErrorCode.BadRequest, "Bad request: malformed path")
    const [serviceId, ...params] = segments
    if (endpoint === "payment/reversal" || endpoint === "payment/partial_reversal") {
      reversalCalls.set(params[0], (reversalCalls.get(params[0]) ?? 0) + 1)
    }

    const fault = takeFault(endpoint)
    if (fault?.kind === "http_error") {
      return failure(fault.http_status, DoubleErrorCode.Internal, `Injected fault: HTTP ${fault.http_status}`)
    }
    if (fault?.kind === "click_error") return failure(fault.http_status, fault.error_code, fault.error_note)
    if (fault?.kind === "http_answer") {
      return { status: fault.http_status, body: {}, raw: { text: fault.body, contentType: fault.content_type, location: fault.location } }
    }
    if (fault?.kind === "hang" && !(await hang(fault.ms))) return null
    if (fault?.kind === "lost_answer") {
      const acted = await merchantApiAnswer(request, endpoint, serviceId, params, body)
      return { ...acted, lost: fault.as }
    }
    return merchantApiAnswer(request, endpoint, serviceId, params, body)
  }

  async function merchantApiAnswer(
    request: IncomingMessage,
    endpoint: ClickMerchantEndpoint,
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
    if (serviceId !== options.serviceId) {
      return failure(403, DoubleErrorCode.AccessDenied, `Access denied: service_id ${serviceId} is not this merchant user's service`)
    }
    return clickOperation(endpoint, serviceId, params)
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

  function control(method: string | undefined, path: string, body: Buffer): Answer {
    if (path === "payments") {
      if (method === "GET") return { status: 200, body: { payments: ledger.list() } }
      if (method === "POST") return { status: 201, body: { payment: ledger.register(parseJson(body)) } }
      return failure(405, DoubleErrorCode.MethodNotAllowed, "Method not allowed")
    }
    if (path === "faults") {
      if (method === "POST") return { status: 201, body: { fault: injectFault(parseJson(body)) } }
      if (method === "DELETE") {
        faults.length = 0
        return { status: 200, body: { faults: [] } }
      }
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

  async function answer(request: IncomingMessage): Promise<Answer | null> {
    const body = await readBody(request)
    if (body === null) return failure(413, DoubleErrorCode.BodyTooLarge, "Request body too large")
    const { pathname } = new URL(request.url ?? "/", "http://double.invalid")
    try {
      if (pathname.startsWith(CONTROL_PATH)) return control(request.method, pathname.slice(CONTROL_PATH.length), body)
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
        if (!result) return
        if (result.lost === "reset") {
          request.socket.destroy()
          return
        }
        if (result.lost === "http_502") {
          result = failure(502, DoubleErrorCode.Internal, "Bad gateway")
        }
        const text = result.raw ? result.raw.text : JSON.stringify(result.body)
        response.writeHead(result.status, {
          "Content-Type": result.raw ? result.raw.contentType : "application/json; charset=utf-8",
          "Content-Length": Buffer.byteLength(text),
          ...(result.raw?.location ? { Location: result.raw.location } : {}),
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
    injectFault: (fault) => void injectFault(fault),
    clearFaults: () => void (faults.length = 0),
    heldRequests: () => hangs.size,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const release of hangs) release()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

function isEndpoint(value: string): value is ClickMerchantEndpoint {
  return Object.prototype.hasOwnProperty.call(ROUTES, value)
}

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
