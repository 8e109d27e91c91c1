import { randomBytes, randomInt } from "node:crypto"
import { CLICK_CARD_ERROR_CODES, ClickPaymentStatus, type ClickCardRefusal } from "../click"
import { DoubleInputError } from "./merchant-api-ledger"

/**
 * The double's card tokens and invoices. A card number is kept only masked
 * (first 6 and last 4 digits): the double must never hold a full card number.
 */
export interface DoubleCardToken {
  card_token: string
  masked_card_number: string
  sms_code: string
  sms_code_expired: boolean
  verified: boolean
  /** Set through the control API: card_token/payment answers this refusal's code. */
  refusal: Exclude<ClickCardRefusal, "sms_code_expired" | "sms_code_wrong"> | null
  /**
   * Set through the control API: what card_token/payment answers (and the
   * ledger keeps): 2 paid by default, 1 still processing, or negative, a
   * payment Click took the request for but failed (nothing debited).
   */
  payment_status: number
}

/**
 * invoice_status as the one source Click's material has (click-protocol.md
 * §7): -99 deleted, 0 pending, 1 paid. Click documents no code of its own for
 * an invoice that expired unpaid, so an expired one answers -99 too, as
 * Click's only documented negative; invoice_status_note tells them apart.
 */
export const INVOICE_STATUS = { created: 0, paid: 1, cancelled: -99, expired: -99 } as const
export type DoubleInvoiceStatus = keyof typeof INVOICE_STATUS

export interface DoubleInvoice {
  invoice_id: string
  phone_number: string
  amount_tiyin: string
  merchant_trans_id: string
  status: DoubleInvoiceStatus
}

export function cardErrorCode(refusal: ClickCardRefusal): number {
  const entry = CLICK_CARD_ERROR_CODES.find((candidate) => candidate.refusal === refusal)
  if (!entry) throw new RangeError(`no Click code for ${refusal}`)
  return entry.code
}

export function maskCardNumber(cardNumber: string): string {
  return `${cardNumber.slice(0, 6)}******${cardNumber.slice(-4)}`
}

// Invoice ids handed out by the double: ten digits, like Click's.
const FIRST_INVOICE_ID = 5_000_000_001n

export class MerchantApiCardsBook {
  private readonly tokens = new Map<string, DoubleCardToken>()
  private readonly invoices = new Map<string, DoubleInvoice>()
  private nextInvoiceId = FIRST_INVOICE_ID

  issueToken(cardNumber: string): DoubleCardToken {
    const token: DoubleCardToken = {
      card_token: randomBytes(16).toString("hex"),
      masked_card_number: maskCardNumber(cardNumber),
      sms_code: String(randomInt(100000, 1000000)),
      sms_code_expired: false,
      verified: false,
      refusal: null,
      payment_status: ClickPaymentStatus.Success,
    }
    this.tokens.set(token.card_token, token)
    return token
  }

  token(cardToken: string): DoubleCardToken | undefined {
    return this.tokens.get(cardToken)
  }

  forgetToken(cardToken: string): boolean {
    return this.tokens.delete(cardToken)
  }

  expireSmsCode(cardToken: string): DoubleCardToken {
    const token = this.requireToken(cardToken)
    token.sms_code_expired = true
    return token
  }

  setRefusal(cardToken: string, refusal: unknown): DoubleCardToken {
    const token = this.requireToken(cardToken)
    if (refusal !== null && refusal !== "card_blocked" && refusal !== "insufficient_funds") {
      throw new DoubleInputError(400, "refusal must be card_blocked, insufficient_funds or null")
    }
    token.refusal = refusal
    return token
  }

  setPaymentStatus(cardToken: string, paymentStatus: unknown): DoubleCardToken {
    const token = this.requireToken(cardToken)
    const answerable =
      typeof paymentStatus === "number" &&
      Number.isSafeInteger(paymentStatus) &&
      (paymentStatus < 0 || paymentStatus === ClickPaymentStatus.Processing || paymentStatus === ClickPaymentStatus.Success)
    if (!answerable) throw new DoubleInputError(400, "payment_status must be 1 (processing), 2 (paid) or negative (failed)")
    token.payment_status = paymentStatus
    return token
  }

  createInvoice(fields: Omit<DoubleInvoice, "invoice_id" | "status">): DoubleInvoice {
    const invoice: DoubleInvoice = { invoice_id: String(this.nextInvoiceId++), status: "created", ...fields }
    this.invoices.set(invoice.invoice_id, invoice)
    return invoice
  }

  invoice(invoiceId: string): DoubleInvoice | undefined {
    return this.invoices.get(invoiceId)
  }

  setInvoiceStatus(invoiceId: string, status: unknown): DoubleInvoice {
    const invoice = this.invoices.get(invoiceId)
    if (!invoice) throw new DoubleInputError(400, `no invoice ${invoiceId}`)
    if (status !== "paid" && status !== "cancelled" && status !== "expired") {
      throw new DoubleInputError(400, "status must be paid, cancelled or expired")
    }
    invoice.status = status
    return invoice
  }

  private requireToken(cardToken: string): DoubleCardToken {
    const token = this.tokens.get(cardToken)
    if (!token) throw new DoubleInputError(400, "no such card token")
    return token
  }
}
