import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import {
  ClickErrorCode,
  parseSoumsToTiyin,
  prepareAnswer,
  type ClickErrorCodeValue,
  type PrepareAnswer,
  type PrepareRequest,
} from "../../click"
import { CART_PAID_STATES, ClickPaymentState, DEBITED_STATES, isUnansweredCardDebit } from "../../modules/click"
import {
  clickModule,
  findTransaction,
  isUniqueViolation,
} from "../click-transactions"
import { loadClickCart, type ClickCart } from "../medusa-tables"
import { isPaymentOfService, type VerifiedClickCallback } from "../../providers/click/merchant-gateway"

/**
 * Prepare (action=0): Click asks whether this cart can be paid for this
 * amount. Answering 0 lets Click debit the card, so every check happens here.
 */
export async function handlePrepare(
  container: MedusaContainer,
  { request }: VerifiedClickCallback<"prepare">,
  log: Logger
): Promise<PrepareAnswer> {
  const answer = (error: ClickErrorCodeValue, merchantPrepareId?: number) =>
    prepareAnswer({
      click_trans_id: request.click_trans_id,
      merchant_trans_id: request.merchant_trans_id,
      merchant_prepare_id: merchantPrepareId ?? null,
      error,
    })

  const cartId = request.merchant_trans_id
  const [cart, attempts] = await Promise.all([
    loadClickCart(container, cartId),
    clickModule(container).listCartAttempts(cartId),
  ])
  if (!cart || !cart.session) {
    return answer(ClickErrorCode.UserNotFound)
  }
  if (!isPaymentOfService(cart.session.serviceId, request.service_id)) {
    // The cart pays with another Click service: for this one it is no order at all.
    log.warn({ cart_id: cartId, service_id: request.service_id, session_service_id: cart.session.serviceId }, "prepare refused: the cart pays with another Click service")
    return answer(ClickErrorCode.UserNotFound)
  }
  const repeated = attempts.find((t) => t.click_trans_id === request.click_trans_id)
  if (
    cart.completedAt ||
    attempts.some((t) => CART_PAID_STATES.includes(t.state)) ||
    (repeated && DEBITED_STATES.includes(repeated.state))
  ) {
    return answer(ClickErrorCode.AlreadyPaid)
  }
  if (repeated?.state === ClickPaymentState.Cancelled || repeated?.state === ClickPaymentState.Contradicted) {
    return answer(ClickErrorCode.TransactionCancelled)
  }
  if (!repeated && attempts.some(isUnansweredCardDebit)) {
    // A saved-card debit of this cart awaits Click's word: a second debit would hide it (isUnansweredCardDebit).
    log.info({ cart_id: cartId, reason: "card_debit_unanswered" }, "prepare refused")
    return answer(ClickErrorCode.UserNotFound)
  }
  const unpayable = whyNotPayable(cart)
  if (unpayable) {
    log.info({ cart_id: cartId, reason: unpayable }, "prepare refused")
    return answer(ClickErrorCode.UserNotFound)
  }
  if (parseSoumsToTiyin(request.amount) !== cart.session.amountTiyin) {
    return answer(ClickErrorCode.IncorrectAmount)
  }
  if (repeated) {
    return answer(ClickErrorCode.Success, repeated.merchant_prepare_id)
  }
  const created = await recordPreparedTransaction(container, request, cart.session.id)
  if (!created) {
    log.warn({ reason: "click_trans_id_of_another_cart" }, "prepare refused")
    return answer(ClickErrorCode.BadRequest)
  }
  if (created.state === ClickPaymentState.Cancelled) {
    // The same Prepare raced itself and its first copy gave way to a saved-card debit (below).
    return answer(ClickErrorCode.TransactionCancelled)
  }
  if (created.written && (await clickModule(container).listCartAttempts(cartId)).some(isUnansweredCardDebit)) {
    // Written, then looked again: a saved-card debit is started under a lock Prepare does not take, and
    // one that found the cart free before this row existed went on to Click (saved-card-payment.ts
    // looks again the same way). This attempt gives way before Click may debit it.
    await clickModule(container).transition({
      id: created.id,
      from: ClickPaymentState.Prepared,
      to: ClickPaymentState.Cancelled,
      reason: "card_debit_unanswered",
      detail: "a saved-card debit of the cart started meanwhile and awaits Click's word",
    })
    log.info({ cart_id: cartId, reason: "card_debit_unanswered" }, "prepare refused")
    return answer(ClickErrorCode.UserNotFound)
  }
  return answer(ClickErrorCode.Success, created.merchant_prepare_id)
}

/**
 * Answering 0 lets Click take the money, so a cart that could not become an
 * order now is refused here (-5, "order not payable"), not refunded later.
 */
export function whyNotPayable(cart: ClickCart): string | null {
  if (!cart.hasItems) return "no_items"
  if (!cart.hasShipping) return "no_shipping_method"
  if (!cart.session?.isCurrent) return "stale_session"
  if (cart.shippingGone) return "shipping_option_gone"
  if (cart.outOfStock) return "out_of_stock"
  return null
}

async function recordPreparedTransaction(
  container: MedusaContainer,
  request: PrepareRequest,
  paymentSessionId: string
): Promise<{ id: string; merchant_prepare_id: number; state: string; written: boolean } | null> {
  try {
    const created = await clickModule(container).createPrepared({
      click_trans_id: request.click_trans_id,
      click_paydoc_id: request.click_paydoc_id ?? null,
      service_id: request.service_id,
      merchant_trans_id: request.merchant_trans_id,
      payment_session_id: paymentSessionId,
      amount: request.amount,
      amount_tiyin: parseSoumsToTiyin(request.amount)!.toString(),
      sign_time: request.sign_time,
    })
    return { ...created, state: ClickPaymentState.Prepared, written: true }
  } catch (error) {
    // The same Prepare raced itself: the first insert wins and both get its id.
    // A click_trans_id already used for another cart is a bad request.
    if (isUniqueViolation(error)) {
      const existing = await findTransaction(container, { click_trans_id: request.click_trans_id })
      if (existing) {
        return existing.merchant_trans_id === request.merchant_trans_id ? { ...existing, written: false } : null
      }
    }
    throw error
  }
}
