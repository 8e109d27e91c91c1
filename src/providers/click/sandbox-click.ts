import { randomInt } from "node:crypto"
import { formatTiyinAsSoums, parseSoumsToTiyin, signedCompleteFields, signedPrepareFields } from "../../click"
import type { PaymentRegistration } from "../../sandbox/merchant-api-ledger"

export interface SandboxPayment {
  cartId: string
  /** The amount in the pay link, as Click would send it on. */
  amount: string
  decline: boolean
}

export interface SandboxPaymentResult {
  /** Click's error: 0 when the payment went through. */
  error: number
  errorNote: string
  step: "prepare" | "complete"
}

/** Click's error for a payment the shopper declined; the ledger keeps it as the payment's (negative) status. */
const DECLINED = -5017

/**
 * What Click's servers do when a shopper presses Pay or Decline on Click's
 * page, for sandbox mode: Prepare, then (after Pay) the debit in the Merchant
 * API double's ledger and Complete error=0, or (after Decline) the failed
 * payment in the ledger and Complete with a negative error. The ledger is the
 * one the backend's Merchant API asks (`recordPayment`), so that sandbox
 * orders pass the same check as real ones: placement asks Click's
 * payment/status before it places an order. Both callbacks go over real HTTP
 * to the merchant's configured URLs, form-encoded and signed with the secret
 * key, never by calling the handlers in-process.
 */
export class SandboxClick {
  constructor(
    private readonly settings: {
      serviceId: string
      secretKey: string
      prepareUrl: string
      completeUrl: string
      /** Records a payment in the ledger of the Merchant API double the backend asks. */
      recordPayment: (payment: PaymentRegistration) => Promise<void>
    }
  ) {}

  get serviceId() {
    return this.settings.serviceId
  }

  async pay(payment: SandboxPayment): Promise<SandboxPaymentResult> {
    const clickTransId = String(randomInt(1_000_000_000, 281_474_976_710_655))
    const clickPaydocId = String(randomInt(1_000_000_000, 281_474_976_710_655))
    const input = {
      clickTransId,
      clickPaydocId,
      serviceId: this.settings.serviceId,
      merchantTransId: payment.cartId,
      amount: payment.amount,
    }
    const prepared = await this.post(this.settings.prepareUrl, signedPrepareFields(input, this.settings.secretKey))
    if (prepared.error !== 0) {
      // Click cancels a payment whose Prepare failed, and says so with a Complete.
      if (typeof prepared.merchant_prepare_id === "number") {
        await this.post(this.settings.completeUrl, signedCompleteFields({ ...input, merchantPrepareId: prepared.merchant_prepare_id, error: "-5017" }, this.settings.secretKey))
      }
      return { error: Number(prepared.error), errorNote: String(prepared.error_note ?? ""), step: "prepare" }
    }
    const complete = { ...input, merchantPrepareId: prepared.merchant_prepare_id as number }
    const tiyin = parseSoumsToTiyin(payment.amount) ?? 0n
    const ledgerEntry = {
      payment_id: clickPaydocId,
      click_trans_id: clickTransId,
      merchant_trans_id: payment.cartId,
      amount_tiyin: tiyin.toString(),
    }
    if (payment.decline) {
      await this.settings.recordPayment({ ...ledgerEntry, status: DECLINED })
      const cancelled = await this.post(this.settings.completeUrl, signedCompleteFields({ ...complete, error: String(DECLINED) }, this.settings.secretKey))
      return { error: DECLINED, errorNote: `Payment declined (merchant answered ${cancelled.error})`, step: "complete" }
    }
    await this.settings.recordPayment(ledgerEntry)
    const completed = await this.post(this.settings.completeUrl, signedCompleteFields(complete, this.settings.secretKey))
    return { error: Number(completed.error), errorNote: String(completed.error_note ?? ""), step: "complete" }
  }

  /** Soums with two decimals, as the page shows them. */
  static formatAmount(amount: string): string {
    const tiyin = parseSoumsToTiyin(amount)
    return tiyin === null ? amount : formatTiyinAsSoums(tiyin)
  }

  private async post(url: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(30_000),
      })
      return (await response.json()) as Record<string, unknown>
    } catch (error) {
      return { error: -7, error_note: `the merchant did not answer: ${(error as Error).message}` }
    }
  }
}
