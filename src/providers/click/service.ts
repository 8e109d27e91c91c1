import {
  AbstractPaymentProvider,
  ContainerRegistrationKeys,
  MedusaError,
  PaymentActions,
} from "@medusajs/framework/utils"
import type {
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  DeletePaymentInput,
  DeletePaymentOutput,
  GetPaymentStatusInput,
  GetPaymentStatusOutput,
  InitiatePaymentInput,
  InitiatePaymentOutput,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import {
  activeSecretKeys,
  buildPayUrl,
  formatTiyinAsSoums,
} from "../../click"
import { medusaAmountToTiyin } from "../../lib/medusa-amount"
import { ClickPaymentState } from "../../modules/click/payment-state"
import { reversalTargetOfPlaced, reverseAtClick, type ReversalDatabase } from "../../payments/money-back/click-reversals"
import { isValidConfirmation } from "./confirmation"
import { connectClickService } from "./connect"
import { checkDeploymentAtBoot } from "./deployment"
import type { ClickMerchantGateway } from "./merchant-gateway"
import { parseClickOptions, type ClickOptions } from "./options"
import { sessionStatus } from "./status"
import type { ClickSessionData } from "./session-data"

class ClickProviderService extends AbstractPaymentProvider<ClickOptions> {
  static identifier = "click"

  static validateOptions(options: Record<string, unknown>): void {
    connectClickService(parseClickOptions(options))
    checkDeploymentAtBoot()
  }

  private readonly merchantApi: ClickMerchantGateway["api"]

  constructor(container: Record<string, unknown>, options: Record<string, unknown>) {
    super(container, parseClickOptions(options))
    this.merchantApi = connectClickService(this.config).api
  }

  async initiatePayment(input: InitiatePaymentInput): Promise<InitiatePaymentOutput> {
    const currency = String(input.currency_code ?? "").toLowerCase()
    if (currency !== "uzs") {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `Click accepts payments in UZS only; this cart is in ${currency.toUpperCase() || "an unknown currency"}.`
      )
    }
    const cartId = input.data?.cart_id
    if (typeof cartId !== "string" || !cartId) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        "A Click payment session can only be created for a cart's payment collection."
      )
    }
    const data = this.sessionData(cartId, input.amount, String(input.data?.session_id ?? ""))
    return { id: cartId, data: data as unknown as Record<string, unknown>, status: sessionStatus(false) }
  }

  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const current = input.data as unknown as ClickSessionData
    const data: ClickSessionData = {
      ...this.sessionData(current.cart_id, input.amount, current.session_id),
      click_confirmation: current.click_confirmation,
    }
    return { data: data as unknown as Record<string, unknown>, status: sessionStatus(false) }
  }

  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const status = sessionStatus(this.isConfirmed(input.data as unknown as ClickSessionData))
    return { status, data: input.data }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const status = sessionStatus(this.isConfirmed(input.data as unknown as ClickSessionData))
    return { status, data: input.data }
  }

  async capturePayment(input: CapturePaymentInput): Promise<CapturePaymentOutput> {
    return { data: input.data }
  }

  async cancelPayment(input: CancelPaymentInput): Promise<CancelPaymentOutput> {
    return { data: input.data }
  }

  async deletePayment(input: DeletePaymentInput): Promise<DeletePaymentOutput> {
    return { data: input.data }
  }

  async retrievePayment(input: RetrievePaymentInput): Promise<RetrievePaymentOutput> {
    return { data: input.data }
  }

  /**
   * A refund from the admin (or an order's cancellation): Click reverses the
   * payment through its Merchant API. Only a payment whose order was placed is
   * refunded here (the placement marks its data): when Medusa rolls back a
   * failed cart completion it also calls this, and that money must stay with
   * Click, because the backend places the order again. At most once
   * (payments/money-back/click-reversals.ts): a refund whose earlier reversal's answer was
   * lost sends nothing until Click's status settles it, and one Click already
   * reversed is recorded without a second request. "Nothing was refunded" is
   * said only when Click said so. A payment a person recorded as refunded
   * outside Click (Click refused) is recorded as refunded without asking Click.
   */
  async refundPayment(input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    const data = input.data as unknown as ClickSessionData
    const placed = data?.click_placed
    if (!placed) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This Click payment has no placed order: a failed cart completion is not refunded, the backend places its order again."
      )
    }
    // The payment module's container holds Medusa's shared database connection.
    const db = (this.container as Record<string, unknown>)[ContainerRegistrationKeys.PG_CONNECTION] as ReversalDatabase
    const found = placed.paydoc_id ? await reversalTargetOfPlaced(db, placed.merchant_prepare_id) : null
    if (!found) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "Click sent no click_paydoc_id for this payment, so the Merchant API cannot address it: reverse it in the Click merchant cabinet."
      )
    }
    const refundTiyin = medusaAmountToTiyin(input.amount)
    if (found.state === ClickPaymentState.RefundedOutsideClick) {
      return { data: { ...input.data, click_reversals: this.withReversal(data, refundTiyin, "outside_click") } }
    }
    const isFull = refundTiyin === BigInt(data.amount_tiyin)
    if (!isFull && !this.config.partialRefunds) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Click reverses whole payments: refund the full ${formatTiyinAsSoums(BigInt(data.amount_tiyin))} UZS, or enable partial reversals with the Click provider option partialRefunds: true.`
      )
    }
    const paydoc = found.target.paydocId
    const attempt = await reverseAtClick(db, this.merchantApi, found.target, {
      amountTiyin: isFull ? undefined : refundTiyin,
      requestedBy: "admin_refund",
      refundsInMedusaTiyin: (data.click_reversals ?? []).filter((refund) => refund.by !== "outside_click").map((refund) => BigInt(refund.amount_tiyin)),
    })
    switch (attempt.outcome) {
      case "done":
        return { data: { ...input.data, click_reversals: this.withReversal(data, refundTiyin, "click") } }
      case "refused":
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `Click did not reverse payment ${paydoc}: ${attempt.errorNote}${
            attempt.errorCode !== null ? ` (error_code ${attempt.errorCode})` : ""
          }. Nothing was refunded. If the money goes back another way, record it as refunded outside Click in the Click payments page.`
        )
      case "uncertain":
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `Click's answer to a reversal of payment ${paydoc} did not arrive, so Click may have reversed it: ${attempt.detail}. ` +
            "No other reversal is sent until it is settled; a refund asked again once it is settled as done is recorded without a second reversal."
        )
      case "not_sent":
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `Nothing was sent to Click for payment ${paydoc}: ${attempt.detail}. Try again later.`
        )
      case "exceeds_captured":
        throw new MedusaError(
          MedusaError.Types.NOT_ALLOWED,
          `Payment ${paydoc} cannot be reversed by ${formatTiyinAsSoums(refundTiyin)} UZS: ${attempt.detail}.`
        )
    }
  }

  private withReversal(data: ClickSessionData, tiyin: bigint, by: "click" | "outside_click") {
    return [...(data.click_reversals ?? []), { amount_tiyin: tiyin.toString(), at: new Date().toISOString(), by }]
  }

  /**
   * Medusa's generic payment webhook (/hooks/payment/click_click) acts on
   * nothing: Click calls /hooks/click/prepare and /hooks/click/complete, whose
   * route verifies each callback through this service's gateway
   * (merchant-gateway.ts), so a forged call here can never authorize anything.
   */
  async getWebhookActionAndData(): Promise<WebhookActionResult> {
    return { action: PaymentActions.NOT_SUPPORTED }
  }

  private isConfirmed(data: ClickSessionData): boolean {
    const confirmation = data?.click_confirmation
    if (!confirmation || typeof data.cart_id !== "string" || typeof data.amount_tiyin !== "string") {
      return false
    }
    const subject = {
      cartId: data.cart_id,
      amountTiyin: data.amount_tiyin,
      merchantPrepareId: String(confirmation.merchant_prepare_id),
    }
    // During a rotation, a process still on the old key may have stamped it.
    return activeSecretKeys(this.config, new Date()).some((secretKey) =>
      isValidConfirmation(subject, confirmation.token, secretKey)
    )
  }

  private sessionData(cartId: string, amount: unknown, sessionId: string): ClickSessionData {
    const amountTiyin = medusaAmountToTiyin(amount)
    const returnUrl = this.config.returnUrl?.replaceAll("{cart_id}", encodeURIComponent(cartId))
    return {
      cart_id: cartId,
      merchant_trans_id: cartId,
      session_id: sessionId,
      amount: formatTiyinAsSoums(amountTiyin),
      amount_tiyin: amountTiyin.toString(),
      currency_code: "uzs",
      payment_url: buildPayUrl({
        payUrl: this.config.payUrl,
        serviceId: this.config.serviceId,
        merchantId: this.config.merchantId,
        amountTiyin,
        transactionParam: cartId,
        returnUrl,
        cardType: this.config.cardType,
      }),
    }
  }
}

export default ClickProviderService
