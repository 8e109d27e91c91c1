import { formatTiyinAsSoums } from "./amount"
import type { SubmitItemsBody } from "./fiscal-receipt"
import { buildMerchantAuthHeader } from "./merchant-api-auth"
import { formatTashkentDate } from "./tashkent-time"

export const CLICK_MERCHANT_API_URL = "https://api.click.uz/v2/merchant/"

export type ClickMerchantEndpoint =
  | "payment/status"
  | "payment/status_by_mti"
  | "payment/reversal"
  | "payment/partial_reversal"
  | "payment/ofd_data/submit_items"
  | "payment/ofd_data"

/** The card token and invoice endpoints, called by merchant-api-cards.ts. */
export type ClickCardsEndpoint =
  | "card_token/request"
  | "card_token/verify"
  | "card_token/payment"
  | "card_token"
  | "invoice/create"
  | "invoice/status"

/** `payment_status` values; any negative value is a failed payment (error_note says why). */
export const ClickPaymentStatus = {
  Created: 0,
  Processing: 1,
  Success: 2,
} as const

export interface ClickMerchantApiOptions {
  serviceId: string
  merchantUserId: string
  secretKey: string
  /** Defaults to Click's production API, CLICK_MERCHANT_API_URL. */
  baseUrl?: string
  /** Per attempt, including reading the answer. Default 10 000. */
  timeoutMs?: number
  /** Extra attempts after the first, for network errors, timeouts and HTTP 5xx. Default 3. */
  retries?: number
  /** Backoff before retry n (from 0) is random() × min(maxDelayMs, baseDelayMs × 2^n). */
  baseDelayMs?: number
  maxDelayMs?: number
  fetch?: typeof fetch
  now?: () => Date
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

export interface ClickPaymentStatusAnswer {
  paymentId: string
  /** <0 failed, 0 created, 1 processing, 2 success (ClickPaymentStatus). */
  paymentStatus: number
  errorNote: string | null
}

export interface ClickPaymentByMerchantTransId {
  paymentId: string
  merchantTransId: string
}

/**
 * "refused": Click answered and said no (a non-zero error_code, or an HTTP 4xx):
 * sending the same request again will not help.
 * "unavailable": no usable answer (network error, timeout, HTTP 5xx after the
 * retries, or an answer that cannot be read). For a reversal this means the
 * outcome is unknown: Click may have reversed, so ask payment/status before trying again.
 */
export type ClickMerchantApiErrorKind = "refused" | "unavailable"

export class ClickMerchantApiError extends Error {
  override readonly name = "ClickMerchantApiError"
  readonly kind: ClickMerchantApiErrorKind
  readonly endpoint: ClickMerchantEndpoint | ClickCardsEndpoint
  /** Click's `error_code`, when the answer carried one. */
  readonly errorCode: number | null
  readonly errorNote: string | null
  readonly httpStatus: number | null
  /** Requests sent. A refusal after more than one (e.g. "already reversed") may follow a success whose answer was lost. */
  readonly attempts: number
  /**
   * Whether any of the requests may have reached Click (and Click may have
   * acted on it). False only when none left this machine: connection refused,
   * name not resolved, network unreachable.
   */
  readonly mayHaveReachedClick: boolean

  constructor(
    message: string,
    details: {
      kind: ClickMerchantApiErrorKind
      endpoint: ClickMerchantEndpoint | ClickCardsEndpoint
      errorCode?: number | null
      errorNote?: string | null
      httpStatus?: number | null
      attempts: number
      mayHaveReachedClick?: boolean
    },
  ) {
    super(message)
    this.kind = details.kind
    this.endpoint = details.endpoint
    this.errorCode = details.errorCode ?? null
    this.errorNote = details.errorNote ?? null
    this.httpStatus = details.httpStatus ?? null
    this.attempts = details.attempts
    this.mayHaveReachedClick = details.mayHaveReachedClick ?? true
  }
}

/** Full-jitter exponential backoff: a delay drawn uniformly from [0, min(max, base × 2^retry)). */
export function backoffDelayMs(
  retry: number,
  limits: { baseDelayMs: number; maxDelayMs: number },
  random: number,
): number {
  const ceiling = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** retry)
  return Math.floor(random * ceiling)
}

const PAYMENT_ID = /^\d{1,19}$/

// Failures that happen before a single byte reaches Click: retrying them cannot
// repeat an operation Click has already done.
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"])

type Exchange =
  | { type: "answered"; httpStatus: number; body: unknown }
  | { type: "timeout" }
  | { type: "network"; reachedClick: boolean; cause: string }

interface Failure {
  kind: ClickMerchantApiErrorKind
  message: string
  errorCode: number | null
  errorNote: string | null
  httpStatus: number | null
  /** Network error, timeout or HTTP 5xx: worth another attempt. */
  transient: boolean
  reachedClick: boolean
}

type Settled = { ok: true; body: Record<string, unknown> } | ({ ok: false } & Failure)

/**
 * Client for Click's Merchant API (https://api.click.uz/v2/merchant/).
 *
 * `payment_id` is Click's `click_paydoc_id`: the payment number Click shows the
 * customer, one per payment. The Merchant API addresses payments by it. It is
 * not `click_trans_id`, which identifies one callback attempt (Prepare/Complete
 * may carry different ones for the same payment).
 */
export class ClickMerchantApiClient {
  private readonly baseUrl: URL
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly backoff: { baseDelayMs: number; maxDelayMs: number }
  private readonly fetch: typeof fetch
  private readonly now: () => Date
  private readonly sleep: (ms: number) => Promise<void>
  private readonly random: () => number

  constructor(protected readonly options: ClickMerchantApiOptions) {
    const base = options.baseUrl ?? CLICK_MERCHANT_API_URL
    // Relative paths resolve under the base only when it ends with "/".
    this.baseUrl = new URL(base.endsWith("/") ? base : `${base}/`)
    this.timeoutMs = options.timeoutMs ?? 10_000
    this.retries = options.retries ?? 3
    this.backoff = { baseDelayMs: options.baseDelayMs ?? 500, maxDelayMs: options.maxDelayMs ?? 5_000 }
    this.fetch = options.fetch ?? globalThis.fetch
    this.now = options.now ?? (() => new Date())
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)))
    this.random = options.random ?? Math.random
  }

  /** GET payment/status/{service_id}/{payment_id}. */
  async paymentStatus(paymentId: string): Promise<ClickPaymentStatusAnswer> {
    const endpoint = "payment/status"
    const { body, attempts } = await this.call("GET", endpoint, [requirePaymentId(paymentId)], true)
    const paymentStatus = optionalInteger(body.payment_status)
    if (paymentStatus === null) throw malformedAnswer(endpoint, "payment_status", attempts)
    const errorNote = typeof body.error_note === "string" ? body.error_note : null
    return { paymentId, paymentStatus, errorNote }
  }

  /**
   * GET payment/status_by_mti/{service_id}/{merchant_trans_id}/{YYYY-MM-DD}: finds
   * the payment for our order key. The date is the day the payment was created,
   * in Tashkent time; near midnight the caller should also try the neighbouring day.
   * The answer has no payment_status: ask paymentStatus() with the payment id.
   */
  async paymentStatusByMerchantTransId(
    merchantTransId: string,
    date: Date,
  ): Promise<ClickPaymentByMerchantTransId> {
    if (merchantTransId === "") throw new RangeError("merchant_trans_id must not be empty")
    const endpoint = "payment/status_by_mti"
    const segments = [merchantTransId, formatTashkentDate(date)]
    const { body, attempts } = await this.call("GET", endpoint, segments, true)
    const paymentId = body.payment_id
    if (typeof paymentId !== "string" || !PAYMENT_ID.test(paymentId)) {
      throw malformedAnswer(endpoint, "payment_id", attempts)
    }
    return { paymentId, merchantTransId }
  }

  /**
   * DELETE payment/reversal/{service_id}/{payment_id}: refunds the whole payment.
   * Never repeated by the client once it may have reached Click: whether a
   * request whose answer was lost reversed is for Click's payment/status to
   * say (src/payments/money-back/click-reversals.ts), not for a second request.
   */
  async reversePayment(paymentId: string): Promise<void> {
    await this.call("DELETE", "payment/reversal", [requirePaymentId(paymentId)], false)
  }

  /**
   * DELETE payment/partial_reversal/{service_id}/{payment_id}/{amount in soums}.
   * Not idempotent: a repeat would refund twice, so it is retried only when the
   * request provably never reached Click (connection refused, name not resolved).
   */
  async partiallyReversePayment(paymentId: string, amountTiyin: bigint): Promise<void> {
    if (amountTiyin <= 0n) throw new RangeError("A partial reversal needs a positive amount")
    const segments = [requirePaymentId(paymentId), formatTiyinAsSoums(amountTiyin)]
    await this.call("DELETE", "payment/partial_reversal", segments, false)
  }

  /**
   * POST payment/ofd_data/submit_items: the payment's fiscal receipt. Retried
   * like a read: a repeat after a lost answer is refused by Click, and the
   * caller then asks fiscalReceipt() whether the first one arrived.
   */
  async submitFiscalItems(body: SubmitItemsBody): Promise<void> {
    requirePaymentId(body.payment_id)
    if (body.service_id !== this.options.serviceId) {
      throw new RangeError(`The receipt is for service ${body.service_id}, this client for ${this.options.serviceId}`)
    }
    // Ids go out as JSON numbers, written from their digits (they can exceed 2^53).
    const json = JSON.stringify({ ...body, service_id: "@service_id@", payment_id: "@payment_id@" })
      .replace('"@service_id@"', body.service_id)
      .replace('"@payment_id@"', body.payment_id)
    await this.call("POST", "payment/ofd_data/submit_items", [], true, json)
  }

  /** GET payment/ofd_data/{service_id}/{payment_id}: the receipt's QR code link, once the tax office has it. */
  async fiscalReceipt(paymentId: string): Promise<{ qrCodeUrl: string | null }> {
    const { body } = await this.call("GET", "payment/ofd_data", [requirePaymentId(paymentId)], true)
    const url = body.qrCodeURL ?? body.qr_code_url
    return { qrCodeUrl: typeof url === "string" && /^https?:\/\//.test(url) ? url : null }
  }

  /** The signed exchange, retries and Click's error reading, shared with the card and invoice client. */
  protected async call(
    method: "GET" | "DELETE" | "POST",
    endpoint: ClickMerchantEndpoint | ClickCardsEndpoint,
    segments: string[],
    idempotent: boolean,
    json?: string,
  ): Promise<{ body: Record<string, unknown>; attempts: number }> {
    // A POST carries the service id in its body; the other calls in the path.
    const encoded = (json === undefined ? [this.options.serviceId, ...segments] : segments).map(encodeURIComponent)
    const url = new URL([endpoint, ...encoded].join("/"), this.baseUrl)
    let reachedClick = false
    for (let attempts = 1; ; attempts++) {
      const settled = settle(endpoint, await this.exchange(method, url, json), this.timeoutMs)
      if (settled.ok) return { body: settled.body, attempts }
      reachedClick ||= settled.reachedClick
      const retry =
        settled.transient && attempts <= this.retries && (idempotent || !settled.reachedClick)
      if (!retry) {
        const { message, kind, errorCode, errorNote, httpStatus } = settled
        const after = attempts > 1 ? ` (after ${attempts} attempts)` : ""
        throw new ClickMerchantApiError(message + after, {
          kind,
          endpoint,
          errorCode,
          errorNote,
          httpStatus,
          attempts,
          mayHaveReachedClick: reachedClick,
        })
      }
      await this.sleep(backoffDelayMs(attempts - 1, this.backoff, this.random()))
    }
  }

  private async exchange(method: string, url: URL, json?: string): Promise<Exchange> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), this.timeoutMs)
    try {
      const response = await this.fetch(url, {
        method,
        headers: {
          Accept: "application/json",
          "Content-Type": "application/json",
          // Signed per attempt: Click checks the timestamp's freshness.
          Auth: buildMerchantAuthHeader(this.options, this.now()),
        },
        body: json,
        // A redirect would carry the Auth header to another host.
        redirect: "manual",
        signal: controller.signal,
      })
      const text = await response.text()
      return { type: "answered", httpStatus: response.status, body: parseAnswer(text) }
    } catch (error) {
      if (controller.signal.aborted) return { type: "timeout" }
      const code = (error as { cause?: { code?: unknown } }).cause?.code
      const reachedClick = !(typeof code === "string" && NOT_SENT_CODES.has(code))
      return { type: "network", reachedClick, cause: typeof code === "string" ? code : String(error) }
    } finally {
      clearTimeout(timer)
    }
  }
}

function settle(endpoint: ClickMerchantEndpoint | ClickCardsEndpoint, exchange: Exchange, timeoutMs: number): Settled {
  const prefix = `Click Merchant API ${endpoint}`
  const unavailable = (message: string, httpStatus: number | null, transient: boolean, reachedClick = true) =>
    ({ ok: false, kind: "unavailable", message, errorCode: null, errorNote: null, httpStatus, transient, reachedClick }) as const
  if (exchange.type === "timeout") {
    return unavailable(`${prefix} did not answer within ${timeoutMs} ms`, null, true)
  }
  if (exchange.type === "network") {
    return unavailable(`${prefix} could not be reached: ${exchange.cause}`, null, true, exchange.reachedClick)
  }

  const { httpStatus, body } = exchange
  if (httpStatus >= 500) return unavailable(`${prefix} answered HTTP ${httpStatus}`, httpStatus, true)
  const answer = isObject(body) ? body : {}
  const errorCode = optionalInteger(answer.error_code)
  const errorNote = typeof answer.error_note === "string" ? answer.error_note : null
  const refused = (message: string) =>
    ({ ok: false, kind: "refused", message, errorCode, errorNote, httpStatus, transient: false, reachedClick: true }) as const
  const described = `error_code ${errorCode ?? "none"}${errorNote === null ? "" : ` (${errorNote})`}`
  if (httpStatus === 401) {
    return refused(
      `${prefix} rejected the Auth header (HTTP 401, ${described}): check merchantUserId, secretKey and the server clock`,
    )
  }
  if (httpStatus < 200 || httpStatus >= 300) {
    return refused(`${prefix} refused the request: HTTP ${httpStatus}, ${described}`)
  }
  // A 2xx without a readable error_code says nothing about whether Click acted.
  if (errorCode === null) return unavailable(`${prefix} gave an unreadable answer (HTTP ${httpStatus})`, httpStatus, false)
  if (errorCode !== 0) return refused(`${prefix} refused the request: ${described}`)
  return { ok: true, body: answer }
}

// payment_id and invoice_id are 64-bit integers: JSON.parse would round values
// above 2^53, so they are read as the digits Click sent.
function parseAnswer(text: string): unknown {
  try {
    return JSON.parse(text.replace(/("(?:payment_id|invoice_id)"\s*:\s*)(\d+)/g, '$1"$2"'))
  } catch {
    return undefined
  }
}

function requirePaymentId(paymentId: string): string {
  if (!PAYMENT_ID.test(paymentId)) {
    throw new RangeError(`payment_id must be Click's numeric payment id, got ${JSON.stringify(paymentId)}`)
  }
  return paymentId
}

function optionalInteger(value: unknown): number | null {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value
  if (typeof value === "string" && /^-?\d{1,15}$/.test(value)) return Number(value)
  return null
}

function malformedAnswer(
  endpoint: ClickMerchantEndpoint,
  field: string,
  attempts: number,
): ClickMerchantApiError {
  return new ClickMerchantApiError(`Click Merchant API ${endpoint} answered without a valid ${field}`, {
    kind: "unavailable",
    endpoint,
    attempts,
  })
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}
