import { z } from "zod"
import { formatTiyinAsSoums } from "./amount"
import { ClickMerchantApiClient, ClickMerchantApiError } from "./merchant-api"

/**
 * What a customer can be told when Click refuses a card or an SMS code. Of
 * these codes Click documents one for its card token endpoints: -301, the SMS
 * code expired (click-protocol.md §7). -302 and -303 appear nowhere in Click's
 * public material; -5017 does only as an example of a Complete's `error`
 * (Click cancelled the payment, §3), never as a card_token answer. Every entry
 * with `documented: false` is our assumption until Click's answers confirm it,
 * and a refusal with a code not listed stays unnamed (`cardRefusalOf` answers
 * null), so the shopper then hears the general "card refused".
 */
export const CLICK_CARD_ERROR_CODES = [
  { code: -301, refusal: "sms_code_expired", documented: true },
  { code: -302, refusal: "sms_code_wrong", documented: false },
  { code: -303, refusal: "card_blocked", documented: false },
  { code: -5017, refusal: "insufficient_funds", documented: false },
] as const

export type ClickCardRefusal = (typeof CLICK_CARD_ERROR_CODES)[number]["refusal"]

/** The named refusal behind a Merchant API error, or null when Click's code is not one we name. */
export function cardRefusalOf(error: unknown): ClickCardRefusal | null {
  if (!(error instanceof ClickMerchantApiError) || error.kind !== "refused") return null
  return CLICK_CARD_ERROR_CODES.find((entry) => entry.code === error.errorCode)?.refusal ?? null
}

/** Luhn's checksum: catches a mistyped digit before Click sends an SMS for it. */
export function passesLuhn(digits: string): boolean {
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) {
      digit *= 2
      if (digit > 9) digit -= 9
    }
    sum += digit
  }
  return sum % 10 === 0
}

// Messages name the field only: a card number or SMS code must not reach an error's text.
const cardNumber = z
  .string()
  .regex(/^\d{16}$/, "card number must be 16 digits")
  .refine(passesLuhn, "card number fails the Luhn check")
const expireDate = z.string().regex(/^(0[1-9]|1[0-2])\d{2}$/, "expiry must be MMYY")
const cardToken = z.string().regex(/^[A-Za-z0-9-]{1,128}$/, "card token must be letters, digits and dashes")
const smsCode = z.string().regex(/^\d{4,8}$/, "SMS code must be 4 to 8 digits")
const positiveTiyin = z.bigint().positive("amount must be positive")
const merchantTransId = z.string().min(1).max(255)
const uzbekPhone = z.string().regex(/^\+998\d{9}$/, "phone number must be +998 and 9 digits")
const digitsId = z.string().regex(/^\d{1,19}$/)

export const CardTokenRequestInput = z.object({ cardNumber, expireDate, temporary: z.boolean() }).strict()
export const CardTokenVerifyInput = z.object({ cardToken, smsCode }).strict()
export const CardTokenPaymentInput = z.object({ cardToken, amountTiyin: positiveTiyin, merchantTransId }).strict()
export const InvoiceCreateInput = z
  .object({ phoneNumber: uzbekPhone, amountTiyin: positiveTiyin, merchantTransId })
  .strict()

// Masked values keep at least one mask character: an unmasked number in an answer is refused.
const masked = z.string().regex(/^[\d*+ X-]*[*X][\d*+ X-]*$/)

const answers = {
  "card_token/request": z.object({ card_token: cardToken, phone_number: masked }),
  "card_token/verify": z.object({ card_number: masked }),
  "card_token/payment": z.object({ payment_id: digitsId, payment_status: z.number().int() }),
  "invoice/create": z.object({ invoice_id: digitsId }),
  "invoice/status": z.object({ invoice_status: z.number().int(), invoice_status_note: z.string().nullish() }),
}

export interface ClickCardTokenRequested {
  cardToken: string
  /** Masked by Click: where the SMS code went. */
  phoneNumber: string
}

export interface ClickCardTokenPayment {
  paymentId: string
  /** <0 failed, 0 created, 1 processing (poll payment/status), 2 success (ClickPaymentStatus). */
  paymentStatus: number
}

export interface ClickInvoiceStatus {
  /** Not documented consistently: only Prepare/Complete and payment/status say whether money moved. */
  invoiceStatus: number
  invoiceStatusNote: string | null
}

/** What an invoice's status tells a shopper: confirm it in the Click app, it was paid, or it is gone. */
export type ClickInvoiceState = "waiting" | "paid" | "cancelled"

/**
 * Click documents invoice_status inconsistently (click-protocol.md §7: one
 * source has -99 deleted, 0 pending, 1 paid; others read any negative value
 * as cancelled). Our reading: negative is cancelled or expired, 0 is waiting
 * for the shopper, positive is paid. It only says what to show: whether money
 * moved is known from Prepare/Complete and payment/status alone.
 */
export function invoiceStateOf(invoiceStatus: number): ClickInvoiceState {
  if (invoiceStatus < 0) return "cancelled"
  return invoiceStatus === 0 ? "waiting" : "paid"
}

/**
 * Click's card token and invoice endpoints, over the signed client. None of them
 * is repeated once it may have reached Click (a repeat sends another SMS, debits
 * again or creates a second invoice), except the status read and the delete.
 * The card number and SMS code live only in the request body: every error this
 * client throws has them removed from its message and Click's error_note.
 */
export class ClickMerchantCardsClient extends ClickMerchantApiClient {
  /** POST card_token/request: Click sends an SMS code to the card's phone. */
  async requestCardToken(input: z.input<typeof CardTokenRequestInput>): Promise<ClickCardTokenRequested> {
    const { cardNumber, expireDate, temporary } = CardTokenRequestInput.parse(input)
    const body = this.jsonBody(
      { card_number: cardNumber, expire_date: expireDate },
      { temporary: temporary ? "1" : "0" },
    )
    const answer = await this.post("card_token/request", body, [cardNumber])
    return { cardToken: answer.card_token, phoneNumber: answer.phone_number }
  }

  /** POST card_token/verify: the SMS code makes the token usable; Click answers the masked card number. */
  async verifyCardToken(input: z.input<typeof CardTokenVerifyInput>): Promise<{ cardNumber: string }> {
    const parsed = CardTokenVerifyInput.parse(input)
    // Click's schema has sms_code as an integer, so it goes out as a number.
    const smsCodeNumber = BigInt(parsed.smsCode).toString()
    const body = this.jsonBody({ card_token: parsed.cardToken }, { sms_code: smsCodeNumber })
    const answer = await this.post("card_token/verify", body, [parsed.smsCode, smsCodeNumber])
    return { cardNumber: answer.card_number }
  }

  /** POST card_token/payment: a direct debit (no Prepare/Complete follows). */
  async payWithCardToken(input: z.input<typeof CardTokenPaymentInput>): Promise<ClickCardTokenPayment> {
    const parsed = CardTokenPaymentInput.parse(input)
    const body = this.jsonBody(
      { card_token: parsed.cardToken, transaction_parameter: parsed.merchantTransId },
      { amount: formatTiyinAsSoums(parsed.amountTiyin) },
    )
    const answer = await this.post("card_token/payment", body, [])
    return { paymentId: answer.payment_id, paymentStatus: answer.payment_status }
  }

  /** DELETE card_token/{service_id}/{card_token}. */
  async deleteCardToken(token: string): Promise<void> {
    await this.call("DELETE", "card_token", [cardToken.parse(token)], true)
  }

  /** POST invoice/create: Click's app asks the phone's owner to pay; Prepare/Complete follow as usual. */
  async createInvoice(input: z.input<typeof InvoiceCreateInput>): Promise<{ invoiceId: string }> {
    const parsed = InvoiceCreateInput.parse(input)
    const body = this.jsonBody(
      // Click's examples write the number without its "+".
      { phone_number: parsed.phoneNumber.slice(1), merchant_trans_id: parsed.merchantTransId },
      { amount: formatTiyinAsSoums(parsed.amountTiyin) },
    )
    const answer = await this.post("invoice/create", body, [])
    return { invoiceId: answer.invoice_id }
  }

  /** GET invoice/status/{service_id}/{invoice_id}. */
  async invoiceStatus(invoiceId: string): Promise<ClickInvoiceStatus> {
    const endpoint = "invoice/status"
    const { body, attempts } = await this.call("GET", endpoint, [digitsId.parse(invoiceId)], true)
    const answer = readAnswer(endpoint, body, attempts)
    return { invoiceStatus: answer.invoice_status, invoiceStatusNote: answer.invoice_status_note ?? null }
  }

  private async post<E extends keyof typeof answers>(
    endpoint: E,
    json: string,
    secrets: string[],
  ): Promise<z.output<(typeof answers)[E]>> {
    try {
      const { body, attempts } = await this.call("POST", endpoint, [], false, json)
      return readAnswer(endpoint, body, attempts)
    } catch (error) {
      throw error instanceof ClickMerchantApiError ? redacted(error, secrets) : error
    }
  }

  /**
   * The body with service_id and the given fields as JSON numbers written from
   * their digits: amounts are exact decimals, never a float's rounding.
   */
  private jsonBody(strings: Record<string, string>, numbers: Record<string, string>): string {
    const literals: Record<string, string> = { service_id: this.options.serviceId, ...numbers }
    const placeholders = Object.fromEntries(Object.keys(literals).map((key) => [key, `@${key}@`]))
    let json = JSON.stringify({ ...placeholders, ...strings })
    for (const [key, literal] of Object.entries(literals)) {
      if (!/^\d+(\.\d+)?$/.test(literal)) throw new RangeError(`${key} must be a plain number`)
      json = json.replace(`"@${key}@"`, literal)
    }
    return json
  }
}

function readAnswer<E extends keyof typeof answers>(
  endpoint: E,
  body: Record<string, unknown>,
  attempts: number,
): z.output<(typeof answers)[E]> {
  const parsed = answers[endpoint].safeParse(body)
  if (parsed.success) return parsed.data as z.output<(typeof answers)[E]>
  const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join(".")))].join(", ")
  throw new ClickMerchantApiError(`Click Merchant API ${endpoint} answered without a valid ${fields}`, {
    kind: "unavailable",
    endpoint,
    attempts,
  })
}

// A card number Click (or a proxy) echoes back may be spaced or dashed.
const CARD_NUMBER_LIKE = /\d(?:[ -]?\d){11,18}/g
const REDACTED = "[redacted]"

function redact(text: string, secrets: string[]): string {
  let clean = text.replace(CARD_NUMBER_LIKE, REDACTED)
  for (const secret of secrets) clean = clean.split(secret).join(REDACTED)
  return clean
}

function redacted(error: ClickMerchantApiError, secrets: string[]): ClickMerchantApiError {
  return new ClickMerchantApiError(redact(error.message, secrets), {
    kind: error.kind,
    endpoint: error.endpoint,
    errorCode: error.errorCode,
    errorNote: error.errorNote === null ? null : redact(error.errorNote, secrets),
    httpStatus: error.httpStatus,
    attempts: error.attempts,
    mayHaveReachedClick: error.mayHaveReachedClick,
  })
}
