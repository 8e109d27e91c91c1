import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { Logger } from "pino"
import {
  ClickErrorCode,
  completeAnswer,
  parseSoumsToTiyin,
  type ClickErrorCodeValue,
  type CompleteAnswer,
  type CompleteRequest,
} from "../click"
import { ClickTransactionState } from "../modules/click"
import {
  placeOrderForClickPayment,
  placeOrderUnderLock,
} from "../workflows/place-order-for-click-payment"
import { storedTiyin } from "../lib/medusa-amount"
import { withClickCartLock } from "./cart-lock"
import { loadClickCart } from "./click-cart"
import {
  clickModule,
  findTransaction,
  isUniqueViolation,
  type ClickTransactionRecord,
} from "./click-transactions"
import { stampSession } from "./confirmation-stamp"

export interface CompleteContext {
  /** HMAC stamp the provider made for this verified Complete (error=0 only). */
  confirmation?: string
  /** What to answer to a cancel of an already confirmed payment (-4 or -9). */
  cancelOfConfirmedAnswer: -4 | -9
}

/** Debited by Click, but the cart was already paid: a refund is owed. */
const DOUBLE_PAYMENT_NOTE = "debited after this cart was already paid: reverse this payment"

/**
 * Complete (action=1): Click reports the outcome of a prepared payment.
 * error=0 means the card was debited; error<0 means Click cancelled it.
 */
export async function handleComplete(
  container: MedusaContainer,
  request: CompleteRequest,
  context: CompleteContext,
  log: Logger
): Promise<CompleteAnswer> {
  const answer = (error: ClickErrorCodeValue, confirmId?: number) =>
    completeAnswer({
      click_trans_id: request.click_trans_id,
      merchant_trans_id: request.merchant_trans_id,
      merchant_confirm_id: confirmId ?? null,
      error,
    })
  const clickError = Number(request.error)
  if (clickError > 0) {
    return answer(ClickErrorCode.BadRequest)
  }

  const transaction = await findTransaction(container, {
    merchant_prepare_id: Number(request.merchant_prepare_id),
  })
  if (!transaction || transaction.merchant_trans_id !== request.merchant_trans_id) {
    const cart = await loadClickCart(container, request.merchant_trans_id)
    return answer(cart?.session ? ClickErrorCode.TransactionNotFound : ClickErrorCode.UserNotFound)
  }
  const settled = settledAnswer(transaction, clickError, context)
  if (settled !== null) {
    if (transaction.state === ClickTransactionState.Confirmed && !transaction.order_id) {
      // Paid, but the order is missing (placement failed or the process died):
      // Click's retry is the first chance to try again.
      await placeOrderForClickPayment(container, { transactionId: transaction.id }, log)
    }
    return answer(settled)
  }
  if (parseSoumsToTiyin(request.amount) !== storedTiyin(transaction.amount_tiyin)) {
    return answer(ClickErrorCode.IncorrectAmount)
  }

  const outcome = await withClickCartLock(container, transaction.merchant_trans_id, () =>
    settle(container, transaction.id, request, clickError, context, log)
  )
  return answer(outcome, outcome === ClickErrorCode.Success ? transaction.merchant_prepare_id : undefined)
}

/** The answer for a transaction that is already confirmed or cancelled, else null. */
function settledAnswer(
  transaction: ClickTransactionRecord,
  clickError: number,
  context: CompleteContext
): ClickErrorCodeValue | null {
  if (transaction.state === ClickTransactionState.Confirmed) {
    return clickError < 0 ? context.cancelOfConfirmedAnswer : ClickErrorCode.AlreadyPaid
  }
  if (transaction.state === ClickTransactionState.Cancelled) {
    return ClickErrorCode.TransactionCancelled
  }
  return null
}

/**
 * Runs under the per-cart lock: moves the transaction out of `prepared` once,
 * and for a payment places the order. Click forbids an error once the card is
 * debited, so a failed placement is recorded on the transaction, not answered.
 */
async function settle(
  container: MedusaContainer,
  transactionId: string,
  request: CompleteRequest,
  clickError: number,
  context: CompleteContext,
  log: Logger
): Promise<ClickErrorCodeValue> {
  const service = clickModule(container)
  const current = await service.retrieveClickTransaction(transactionId)
  const settled = settledAnswer(current, clickError, context)
  if (settled !== null) {
    return settled
  }
  const common = {
    id: transactionId,
    complete_click_trans_id: request.click_trans_id,
    click_error: request.error,
  }
  if (clickError < 0) {
    await service.updateClickTransactions({
      ...common,
      state: ClickTransactionState.Cancelled,
      cancelled_at: new Date(),
    })
    return ClickErrorCode.TransactionCancelled
  }
  if (await isCartAlreadyPaid(container, current.merchant_trans_id)) {
    await service.updateClickTransactions({ ...common, last_error: DOUBLE_PAYMENT_NOTE })
    return ClickErrorCode.AlreadyPaid
  }
  // The stamp goes on the session before the transaction says `confirmed`, so a
  // confirmed transaction always has a session Medusa will authorize.
  const stampError = await stampSession(container, current, {
    merchant_prepare_id: current.merchant_prepare_id,
    token: context.confirmation,
  })
  let confirmed: ClickTransactionRecord
  try {
    // Committed on its own, before the order is placed: a crash after this
    // line leaves a confirmed payment that can still become its order.
    ;[confirmed] = await service.updateClickTransactions([
      { ...common, state: ClickTransactionState.Confirmed, confirmed_at: new Date(), last_error: stampError },
    ])
  } catch (error) {
    if (isUniqueViolation(error)) {
      await service.updateClickTransactions({ ...common, last_error: DOUBLE_PAYMENT_NOTE })
      return ClickErrorCode.AlreadyPaid
    }
    throw error
  }
  log.info({ merchant_prepare_id: confirmed.merchant_prepare_id }, "payment confirmed")
  if (!stampError) {
    await placeOrderUnderLock(container, confirmed, log)
  }
  return ClickErrorCode.Success
}

/** Another Click attempt was confirmed, or the cart was completed some other way. */
async function isCartAlreadyPaid(container: MedusaContainer, cartId: string): Promise<boolean> {
  const knex = container.resolve(ContainerRegistrationKeys.PG_CONNECTION)
  const { rows } = await knex.raw(
    `SELECT EXISTS (SELECT 1 FROM click_transaction
                     WHERE merchant_trans_id = :cartId AND state = 'confirmed' AND deleted_at IS NULL)
         OR EXISTS (SELECT 1 FROM cart WHERE id = :cartId AND completed_at IS NOT NULL) AS paid`,
    { cartId }
  )
  return rows[0].paid === true
}
