import { z } from "zod"
import { ClickPaymentStatus, formatTashkentDate, formatTiyinAsSoums, tashkentWallClock } from "../click"
import { DoubleErrorCode, type DoubleRefusal } from "./merchant-api-double-codes"

/**
 * payment_status the double reports for a fully reversed payment. Click does not
 * document one; negative, as Click reports every payment that is not (or no longer) paid.
 */
export const PAYMENT_STATUS_REVERSED = -2

export interface LedgerReversal {
  /** Tiyin, as the string of an integer. */
  amount_tiyin: string
  /** ISO 8601. */
  at: string
}

export interface LedgerPayment {
  /** Click's click_paydoc_id, by which the Merchant API addresses payments. */
  payment_id: string
  click_trans_id: string
  merchant_trans_id: string
  service_id: string
  /** Tiyin, as the string of an integer. */
  amount_tiyin: string
  /** payment_status: 2 success, 0 created, 1 processing, PAYMENT_STATUS_REVERSED, other negatives failed. */
  status: number
  /** ISO 8601. */
  created_at: string
  reversals: LedgerReversal[]
  /** The fiscal receipt submitted for it (payment/ofd_data/submit_items), as received. */
  fiscal_receipt: LedgerFiscalReceipt | null
}

export interface LedgerFiscalReceipt {
  items: Record<string, unknown>[]
  received_ecash: number
  received_cash: number
  received_card: number
  qr_code_url: string
  submitted_at: string
}

const ID = z.union([z.string(), z.number().int().nonnegative().transform(String)]).pipe(z.string().regex(/^\d{1,19}$/))

const registrationSchema = z.strictObject({
  payment_id: ID.optional(),
  click_trans_id: ID.optional(),
  merchant_trans_id: z.string().min(1).max(255),
  service_id: ID.optional(),
  amount_tiyin: z
    .union([z.string().regex(/^\d{1,17}$/).transform(BigInt), z.bigint(), z.number().int().transform(BigInt)])
    .refine((tiyin) => tiyin > 0n, "must be positive"),
  status: z.number().int().default(ClickPaymentStatus.Success),
  created_at: z.union([z.date(), z.iso.datetime({ offset: true }).transform((value) => new Date(value))]).optional(),
})

export type PaymentRegistration = z.input<typeof registrationSchema>

/** A registration the double cannot accept; the control API answers it with `httpStatus`. */
export class DoubleInputError extends Error {
  constructor(
    readonly httpStatus: 400 | 409,
    message: string,
  ) {
    super(message)
  }
}

export type ReversalOutcome = { ok: true; payment: LedgerPayment } | { ok: false; refusal: DoubleRefusal }

// Ids handed out when a test does not choose its own: ten digits, like Click's.
const FIRST_GENERATED_ID = 3_000_000_001n

/** The payments the double knows, and Click's reversal rules over them. */
export class MerchantApiLedger {
  private readonly payments = new Map<string, LedgerPayment>()
  private nextId = FIRST_GENERATED_ID

  constructor(
    private readonly serviceId: string,
    private readonly now: () => Date,
  ) {}

  register(input: unknown): LedgerPayment {
    const parsed = registrationSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new DoubleInputError(400, `Invalid payment: ${issue.path.join(".") || "body"}: ${issue.message}`)
    }
    const data = parsed.data
    const paymentId = data.payment_id ?? this.generateId()
    if (this.payments.has(paymentId)) {
      throw new DoubleInputError(409, `payment_id ${paymentId} is already registered`)
    }
    const payment: LedgerPayment = {
      payment_id: paymentId,
      click_trans_id: data.click_trans_id ?? this.generateId(),
      merchant_trans_id: data.merchant_trans_id,
      service_id: data.service_id ?? this.serviceId,
      amount_tiyin: data.amount_tiyin.toString(),
      status: data.status,
      created_at: (data.created_at ?? this.now()).toISOString(),
      reversals: [],
      fiscal_receipt: null,
    }
    this.payments.set(paymentId, payment)
    return structuredClone(payment)
  }

  /**
   * Click settles a payment it still had in progress (payment_status 0 or 1):
   * paid (2) or failed (negative). A settled payment keeps its status.
   */
  settle(paymentId: string, status: number): LedgerPayment {
    const payment = this.payments.get(paymentId)
    if (!payment) throw new DoubleInputError(400, `payment_id ${paymentId} is not registered`)
    if (!Number.isSafeInteger(status) || (status !== ClickPaymentStatus.Success && status >= 0)) {
      throw new DoubleInputError(400, "A payment settles as paid (2) or failed (negative)")
    }
    if (payment.status !== ClickPaymentStatus.Created && payment.status !== ClickPaymentStatus.Processing) {
      throw new DoubleInputError(409, `payment_id ${paymentId} is already settled (payment_status ${payment.status})`)
    }
    payment.status = status
    return structuredClone(payment)
  }

  list(): LedgerPayment[] {
    return [...this.payments.values()].map((payment) => structuredClone(payment))
  }

  get(paymentId: string): LedgerPayment | undefined {
    const payment = this.payments.get(paymentId)
    return payment && structuredClone(payment)
  }

  /** The payment of that service, if any. */
  find(serviceId: string, paymentId: string): LedgerPayment | undefined {
    const payment = this.get(paymentId)
    return payment?.service_id === serviceId ? payment : undefined
  }

  /**
   * The payment for merchant_trans_id created on that Tashkent day (`YYYY-MM-DD`).
   * With several (a second attempt, a double payment), the latest one.
   */
  findByMerchantTransId(serviceId: string, merchantTransId: string, tashkentDay: string): LedgerPayment | undefined {
    const matches = this.list().filter(
      (payment) =>
        payment.service_id === serviceId &&
        payment.merchant_trans_id === merchantTransId &&
        formatTashkentDate(new Date(payment.created_at)) === tashkentDay,
    )
    return matches.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)).at(-1)
  }

  /** Keeps the payment's fiscal receipt; false if it already has one. */
  recordFiscalReceipt(paymentId: string, receipt: Omit<LedgerFiscalReceipt, "submitted_at" | "qr_code_url">): boolean {
    const payment = this.payments.get(paymentId)
    if (!payment || payment.fiscal_receipt) return false
    payment.fiscal_receipt = {
      ...structuredClone(receipt),
      // The tax office's check page, as Click links it.
      qr_code_url: `https://ofd.soliq.uz/check?t=SANDBOX${paymentId}&r=${payment.click_trans_id}&c=${this.now().toISOString().slice(0, 10)}`,
      submitted_at: this.now().toISOString(),
    }
    return true
  }

  /** A full reversal (amount omitted) reverses whatever a partial one left. */
  reverse(serviceId: string, paymentId: string, amountTiyin?: bigint): ReversalOutcome {
    const payment = this.payments.get(paymentId)
    if (!payment || payment.service_id !== serviceId) {
      return refused(404, DoubleErrorCode.NotFound, "Payment not found")
    }
    if (payment.status === PAYMENT_STATUS_REVERSED) {
      return refused(200, DoubleErrorCode.AlreadyReversed, "Reversal not allowed: payment already reversed")
    }
    if (payment.status !== ClickPaymentStatus.Success) {
      return refused(200, DoubleErrorCode.NotSuccessful, "Reversal not allowed: payment is not successful")
    }
    const now = this.now()
    if (!withinReversalPeriod(new Date(payment.created_at), now)) {
      return refused(
        200,
        DoubleErrorCode.ReversalPeriodExpired,
        "Reversal not allowed: reversal period expired (payments of the current month only; the previous month's on the 1st day)",
      )
    }
    const remaining = remainingTiyin(payment)
    const amount = amountTiyin ?? remaining
    if (amount > remaining) {
      return refused(
        200,
        DoubleErrorCode.AmountExceedsRemaining,
        `Reversal not allowed: amount exceeds the remaining amount (${formatTiyinAsSoums(remaining)} soums)`,
      )
    }
    payment.reversals.push({ amount_tiyin: amount.toString(), at: now.toISOString() })
    if (amount === remaining) payment.status = PAYMENT_STATUS_REVERSED
    return { ok: true, payment: structuredClone(payment) }
  }

  private generateId(): string {
    while (this.payments.has(this.nextId.toString())) this.nextId++
    return (this.nextId++).toString()
  }
}

/** Click reverses payments of the current Tashkent month, and the previous month's on the 1st day. */
export function withinReversalPeriod(createdAt: Date, now: Date): boolean {
  const created = tashkentWallClock(createdAt)
  const today = tashkentWallClock(now)
  const monthsAgo = today.year * 12 + today.month - (created.year * 12 + created.month)
  return monthsAgo === 0 || (monthsAgo === 1 && today.day === 1)
}

function remainingTiyin(payment: LedgerPayment): bigint {
  const reversed = payment.reversals.reduce((sum, reversal) => sum + BigInt(reversal.amount_tiyin), 0n)
  return BigInt(payment.amount_tiyin) - reversed
}

function refused(httpStatus: number, errorCode: number, errorNote: string): ReversalOutcome {
  return { ok: false, refusal: { httpStatus, error_code: errorCode, error_note: errorNote } }
}
