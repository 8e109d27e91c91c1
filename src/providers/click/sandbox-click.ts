import { formatTiyinAsSoums, parseSoumsToTiyin } from "../../click"
import { playClickPayment, type ClickCallbackTarget, type PlayedPaymentResult } from "../../sandbox/click-payer"
import type { DoubleCardToken, DoubleInvoice } from "../../sandbox/merchant-api-cards-book"
import type { PaymentRegistration } from "../../sandbox/merchant-api-ledger"

export interface SandboxPayment {
  cartId: string
  /** The amount in the pay link, as Click would send it on. */
  amount: string
  decline: boolean
}

export type SandboxPaymentResult = PlayedPaymentResult

/**
 * What Click's servers do when a shopper presses Pay or Decline on Click's
 * page, for sandbox mode (src/sandbox/click-payer.ts): Prepare, the payment
 * in the Merchant API double's ledger, Complete. The ledger is the one the
 * backend's Merchant API asks (`recordPayment`), so that sandbox orders pass
 * the same check as real ones: placement asks Click's payment/status before
 * it places an order. Both callbacks go over real HTTP to the merchant's
 * configured URLs, never by calling the handlers in-process.
 */
export class SandboxClick {
  constructor(
    private readonly settings: ClickCallbackTarget & {
      /** Records a payment in the ledger of the Merchant API double the backend asks. */
      recordPayment: (payment: PaymentRegistration) => Promise<void>
      /** The control API ("…/__double/") of the Merchant API double the backend asks, which keeps its invoices. */
      doubleControlUrl: () => Promise<string>
    }
  ) {}

  get serviceId() {
    return this.settings.serviceId
  }

  pay(payment: SandboxPayment): Promise<SandboxPaymentResult> {
    return playClickPayment(
      this.settings,
      { merchantTransId: payment.cartId, amount: payment.amount, decline: payment.decline },
      this.settings.recordPayment
    )
  }

  /** An invoice as the double keeps it (the sandbox's Click app shows it), or null when it has none such. */
  async invoice(invoiceId: string): Promise<DoubleInvoice | null> {
    if (!/^\d{1,19}$/.test(invoiceId)) return null
    const response = await fetch(new URL(`invoices/${invoiceId}`, await this.settings.doubleControlUrl()), { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) return null
    return ((await response.json()) as { invoice: DoubleInvoice }).invoice
  }

  /**
   * The SMS Click sent for a card token, as the card's phone would show it
   * (the demo shop shows it, sandbox only), or null when the double has no
   * such token.
   */
  async cardSms(cardToken: string): Promise<Pick<DoubleCardToken, "masked_card_number" | "sms_code"> | null> {
    if (!/^[\w-]{1,64}$/.test(cardToken)) return null
    const response = await fetch(new URL(`card-tokens/${cardToken}`, await this.settings.doubleControlUrl()), { signal: AbortSignal.timeout(10_000) })
    if (!response.ok) return null
    const { card_token } = (await response.json()) as { card_token: DoubleCardToken }
    return { masked_card_number: card_token.masked_card_number, sms_code: card_token.sms_code }
  }

  /**
   * The shopper confirms an invoice in the Click app: the double pays it as
   * Click does (src/sandbox/click-payer.ts), with Prepare and Complete to this
   * backend. Click's error for the shopper, or 0.
   */
  async confirmInvoice(invoiceId: string): Promise<SandboxPaymentResult> {
    const response = await fetch(new URL(`invoices/${invoiceId}/pay`, await this.settings.doubleControlUrl()), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prepare_url: this.settings.prepareUrl, complete_url: this.settings.completeUrl }),
      signal: AbortSignal.timeout(60_000),
    })
    const answer = (await response.json()) as { result?: SandboxPaymentResult; error_note?: string }
    return answer.result ?? { error: -9, errorNote: answer.error_note ?? `HTTP ${response.status}`, step: "prepare" }
  }

  /** Soums with two decimals, as the page shows them. */
  static formatAmount(amount: string): string {
    const tiyin = parseSoumsToTiyin(amount)
    return tiyin === null ? amount : formatTiyinAsSoums(tiyin)
  }
}
