import {
  AbstractPaymentProvider,
  ContainerRegistrationKeys,
  MedusaError,
  PaymentActions,
} from "@medusajs/framework/utils"
import type {
  AccountHolderDTO,
  AuthorizePaymentInput,
  AuthorizePaymentOutput,
  CancelPaymentInput,
  CancelPaymentOutput,
  CapturePaymentInput,
  CapturePaymentOutput,
  CreateAccountHolderInput,
  CreateAccountHolderOutput,
  DeletePaymentMethodInput,
  DeletePaymentMethodOutput,
  ListPaymentMethodsInput,
  ListPaymentMethodsOutput,
  SavePaymentMethodInput,
  SavePaymentMethodOutput,
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
  PaymentProviderContext,
  WebhookActionResult,
} from "@medusajs/framework/types"
import {
  activeSecretKeys,
  buildPayUrl,
  ClickMerchantApiError,
  formatTiyinAsSoums,
} from "../../click"
import {
  forgetSavedCard,
  markCardSaved,
  savedCardOf,
  savedCardsOf,
  type SavedCardDatabase,
  type SavedCardRow,
} from "../../modules/click/saved-cards"
import { medusaAmountToTiyin, storedTiyin } from "../../lib/medusa-amount"
import { clickPaymentOfPlaced, reversalDecision, reverseAtClick, type ReversalDatabase } from "../../payments/money-back/click-reversals"
import { isValidConfirmation } from "./confirmation"
import { connectClickService } from "./connect"
import { checkDeploymentAtBoot } from "./deployment"
import { isPaymentOfService, type ClickMerchantGateway } from "./merchant-gateway"
import { parseClickOptions, type ClickOptions } from "./options"
import { sessionStatus } from "./status"
import { parseClickSessionData, parseClickSessionStamp, type ClickSessionData } from "./session-data"

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
    return { id: cartId, data, status: sessionStatus(false) }
  }

  async updatePayment(input: UpdatePaymentInput): Promise<UpdatePaymentOutput> {
    const stamp = parseClickSessionStamp(input.data)
    const data: ClickSessionData = {
      ...this.sessionData(stamp.cart_id, input.amount, stamp.session_id),
      click_confirmation: stamp.click_confirmation,
    }
    return { data, status: sessionStatus(false) }
  }

  async authorizePayment(input: AuthorizePaymentInput): Promise<AuthorizePaymentOutput> {
    const status = sessionStatus(this.isConfirmed(parseClickSessionData(input.data)))
    return { status, data: input.data }
  }

  async getPaymentStatus(input: GetPaymentStatusInput): Promise<GetPaymentStatusOutput> {
    const status = sessionStatus(this.isConfirmed(parseClickSessionData(input.data)))
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
    const data = parseClickSessionData(input.data)
    const placed = data.click_placed
    if (!placed) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        "This Click payment has no placed order: a failed cart completion is not refunded, the backend places its order again."
      )
    }
    const db: ReversalDatabase = this.database()
    const payment = await clickPaymentOfPlaced(db, placed.merchant_prepare_id)
    if (!payment) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `No Click payment has merchant_prepare_id ${placed.merchant_prepare_id}: nothing was refunded.`
      )
    }
    if (!isPaymentOfService(payment.service_id, this.config.serviceId)) {
      // Each service reverses only its own payments, with its own credentials.
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Click payment ${placed.merchant_prepare_id} belongs to service ${payment.service_id}, not to this provider's ${this.config.serviceId}: nothing was refunded.`
      )
    }
    // Its order is its paydoc's money: no other attempt pays with that paydoc (such a twin ends `duplicate`).
    const decision = reversalDecision(payment, null)
    const refundTiyin = medusaAmountToTiyin(input.amount)
    if (!decision.send) {
      if (decision.because === "returned_outside_click") {
        return { data: { ...input.data, click_reversals: this.withReversal(data, refundTiyin, "outside_click") } }
      }
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `${decision.detail}.`)
    }
    const capturedTiyin = storedTiyin(data.amount_tiyin)
    const isFull = refundTiyin === capturedTiyin
    if (!isFull && !this.config.partialRefunds) {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `Click reverses whole payments: refund the full ${formatTiyinAsSoums(capturedTiyin)} UZS, or enable partial reversals with the Click provider option partialRefunds: true.`
      )
    }
    const paydoc = decision.target.paydocId
    const attempt = await reverseAtClick(db, this.merchantApi, decision.target, {
      amountTiyin: isFull ? undefined : refundTiyin,
      requestedBy: "admin_refund",
      refundsInMedusaTiyin: (data.click_reversals ?? []).filter((refund) => refund.by !== "outside_click").map((refund) => storedTiyin(refund.amount_tiyin)),
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

  /**
   * Click keeps no customers: the account holder is ours, named after the
   * Medusa customer (one per customer and provider, as Medusa's unique provider
   * and external id require), records this provider's Click service (a card
   * token belongs to one), and its saved cards live in `click_saved_card`.
   */
  async createAccountHolder(input: CreateAccountHolderInput): Promise<CreateAccountHolderOutput> {
    return { id: `click_${input.context.customer.id}`, data: { service_id: this.config.serviceId } }
  }

  /**
   * Saves a card whose SMS code Click has just verified (the store route
   * `POST /store/click/cards/:token/verify` asks Click, then calls this through
   * the payment module): `data` is { card_token, card_number } with Click's
   * masked number. Only a token the same account holder requested is saved.
   */
  async savePaymentMethod(input: SavePaymentMethodInput): Promise<SavePaymentMethodOutput> {
    const holderId = accountHolderIdOf(input.context)
    const cardToken = input.data?.card_token
    const maskedCardNumber = input.data?.card_number
    if (!holderId || typeof cardToken !== "string" || typeof maskedCardNumber !== "string") {
      throw new MedusaError(MedusaError.Types.INVALID_DATA, "A Click card is saved from its verified card token, for an account holder.")
    }
    const saved = await markCardSaved(this.database(), {
      service_id: this.config.serviceId,
      account_holder_id: holderId,
      card_token: cardToken,
      masked_card_number: maskedCardNumber,
      temporary: false,
    })
    if (!saved) throw new MedusaError(MedusaError.Types.NOT_FOUND, "This card was not requested by this customer, or is already saved.")
    return paymentMethodOf(saved)
  }

  /** The account holder's saved cards (Click has no list of them: they are ours). */
  async listPaymentMethods(input: ListPaymentMethodsInput): Promise<ListPaymentMethodsOutput> {
    const holderId = accountHolderIdOf(input.context)
    if (!holderId) return []
    return (await savedCardsOf(this.database(), holderId)).map(paymentMethodOf)
  }

  /**
   * Deletes the token at Click (`DELETE card_token/{service_id}/{token}`), then
   * our record. A token Click no longer knows is gone already; Click not
   * answering keeps the card, so that its token is never left alive at Click
   * with nothing here pointing at it.
   */
  async deletePaymentMethod(input: DeletePaymentMethodInput): Promise<DeletePaymentMethodOutput> {
    const holderId = accountHolderIdOf(input.context)
    if (!holderId) throw new MedusaError(MedusaError.Types.INVALID_DATA, "A Click card is deleted for its account holder.")
    const db = this.database()
    const card = await savedCardOf(db, holderId, input.data.id)
    if (!card) return {}
    try {
      await this.merchantApi.deleteCardToken(card.card_token)
    } catch (error) {
      const goneAtClick = error instanceof ClickMerchantApiError && error.httpStatus === 404
      if (!goneAtClick) throw error
    }
    await forgetSavedCard(db, card.id)
    return {}
  }

  /** The payment module's container holds Medusa's shared database connection. */
  private database(): SavedCardDatabase {
    return (this.container as Record<string, unknown>)[ContainerRegistrationKeys.PG_CONNECTION] as SavedCardDatabase
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
    const confirmation = data.click_confirmation
    if (!confirmation) {
      return false
    }
    const subject = { cartId: data.cart_id, amountTiyin: data.amount_tiyin, merchantPrepareId: confirmation.merchant_prepare_id }
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
      service_id: this.config.serviceId,
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

/** Medusa's id of the account holder the payment module passes (typed as its data only). */
function accountHolderIdOf(context: PaymentProviderContext | undefined): string | undefined {
  const holder: Partial<AccountHolderDTO> | undefined = context?.account_holder
  return holder?.id
}

/** What a saved card shows as a Medusa payment method: Click's masked number, never the token. */
function paymentMethodOf(card: SavedCardRow): { id: string; data: Record<string, unknown> } {
  return { id: card.id, data: { card_number: card.masked_card_number, saved_at: card.verified_at ? new Date(card.verified_at).toISOString() : null } }
}

export default ClickProviderService
