import {
  AbstractPaymentProvider,
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
  ProviderWebhookPayload,
  RefundPaymentInput,
  RefundPaymentOutput,
  RetrievePaymentInput,
  RetrievePaymentOutput,
  UpdatePaymentInput,
  UpdatePaymentOutput,
  WebhookActionResult,
} from "@medusajs/framework/types"
import {
  buildPayUrl,
  formatTiyinAsSoums,
  parseSoumsToTiyin,
  verifyClickCallback,
  type CallbackKind,
  type CallbackVerification,
} from "../../click"
import { medusaAmountToTiyin } from "../../lib/medusa-amount"
import { isValidConfirmation, signConfirmation } from "./confirmation"
import { CLICK_ENDPOINT_HEADER } from "./ids"
import { parseClickOptions, type ClickOptions } from "./options"
import { sessionStatus } from "./status"
import type { ClickSessionData } from "./session-data"

/**
 * What `getWebhookActionAndData` answers. Medusa's generic payment webhook
 * ignores `not_supported`, so a forged call to /hooks/payment/click_click can
 * never authorize anything; only our /hooks/click/* routes read `click`.
 */
export interface ClickWebhookResult extends WebhookActionResult {
  click?: CallbackVerification & { confirmation?: string; cancelOfConfirmedAnswer: -4 | -9 }
}

class ClickProviderService extends AbstractPaymentProvider<ClickOptions> {
  static identifier = "click"

  static validateOptions(options: Record<string, unknown>): void {
    parseClickOptions(options)
  }

  constructor(container: Record<string, unknown>, options: Record<string, unknown>) {
    super(container, parseClickOptions(options))
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

  async refundPayment(_input: RefundPaymentInput): Promise<RefundPaymentOutput> {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      "Refunds of Click payments are not supported yet: reverse the payment in the Click merchant cabinet."
    )
  }

  async getWebhookActionAndData(
    payload: ProviderWebhookPayload["payload"]
  ): Promise<ClickWebhookResult> {
    const endpoint = payload.headers?.[CLICK_ENDPOINT_HEADER]
    if (endpoint !== "prepare" && endpoint !== "complete") {
      return { action: PaymentActions.NOT_SUPPORTED }
    }
    const verification = verifyClickCallback(payload.data, endpoint as CallbackKind, {
      serviceId: this.config.serviceId,
      secretKey: this.config.secretKey,
      signTimeMaxAgeSec: this.config.signTimeToleranceSec,
      signTimeMaxFutureSec: this.config.signTimeFutureSec,
    })
    return {
      action: PaymentActions.NOT_SUPPORTED,
      click: {
        ...verification,
        confirmation: this.confirmationFor(verification),
        cancelOfConfirmedAnswer: this.config.cancelOfConfirmedAnswer,
      },
    }
  }

  private confirmationFor(verification: CallbackVerification): string | undefined {
    if (!verification.ok || verification.kind !== "complete" || verification.request.error !== "0") {
      return undefined
    }
    const { request } = verification
    return signConfirmation(
      {
        cartId: request.merchant_trans_id,
        amountTiyin: String(parseSoumsToTiyin(request.amount)),
        merchantPrepareId: request.merchant_prepare_id,
      },
      this.config.secretKey
    )
  }

  private isConfirmed(data: ClickSessionData): boolean {
    const confirmation = data?.click_confirmation
    if (!confirmation || typeof data.cart_id !== "string" || typeof data.amount_tiyin !== "string") {
      return false
    }
    return isValidConfirmation(
      {
        cartId: data.cart_id,
        amountTiyin: data.amount_tiyin,
        merchantPrepareId: String(confirmation.merchant_prepare_id),
      },
      confirmation.token,
      this.config.secretKey
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
