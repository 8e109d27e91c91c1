import type { MedusaContainer } from "@medusajs/framework/types"
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
import { placeOrderForClickPayment } from "../workflows/place-order-for-click-payment"
import { loadClickCart } from "./click-cart"
import { stampSession } from "./confirmation-stamp"
import {
  clickModule,
  findTransaction,
  isUniqueViolation,
  type ClickTransactionRecord,
} from "./click-transactions"
import { withClickCartLock } from "./cart-lock"

export interface CompleteContext {
  /** HMAC stamp the provider made for this verified Complete (error=0 only). */
  confirmation?: string
  /** What to answer to a cancel of an already confirmed payment (-4 or -9). */
  cancelOfConfirmedAnswer: -4 | -9
}

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
    return answer(settled)
  }
  if (parseSoumsToTiyin(request.amount)!.toString() !== String(transaction.amount_tiyin)) {
    return answer(ClickErrorCode.IncorrectAmount)
  }

  const outcome = await withClickCartLock(container, transaction.merchant_trans_id, () =>
    settle(container, transaction.id, request, clickError, context)
  )
  if (outcome !== ClickErrorCode.Success) {
    return answer(outcome)
  }
  log.info({ merchant_prepare_id: transaction.merchant_prepare_id }, "payment confirmed")
  // Click forbids an error once the card is debited: the order outcome is
  // recorded on the transaction, and the answer is 0 either way.
  await placeOrderForClickPayment(container, { transactionId: transaction.id }, log)
  return answer(ClickErrorCode.Success, transaction.merchant_prepare_id)
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

/** Runs under the per-cart lock: moves the transaction out of `prepared`, once. */
async function settle(
  container: MedusaContainer,
  transactionId: string,
  request: CompleteRequest,
  clickError: number,
  context: CompleteContext
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
  // The stamp goes on the session before the transaction says `confirmed`, so a
  // confirmed transaction always has a session Medusa will authorize.
  const stampError = await stampSession(container, current.payment_session_id, {
    click_trans_id: current.click_trans_id,
    token: context.confirmation,
  })
  try {
    // Committed on its own, before the order is placed: a crash after this
    // line leaves a confirmed payment that recovery can still turn into an order.
    await service.updateClickTransactions({
      ...common,
      state: ClickTransactionState.Confirmed,
      confirmed_at: new Date(),
      last_error: stampError,
    })
  } catch (error) {
    if (isUniqueViolation(error)) {
      // Another attempt already paid this cart, and Click has debited this one
      // too: -4 is all Click accepts now; the note lets recovery reverse it.
      await service.updateClickTransactions({
        id: transactionId,
        complete_click_trans_id: request.click_trans_id,
        last_error: "debited after another attempt had already paid this cart: reverse this payment",
      })
      return ClickErrorCode.AlreadyPaid
    }
    throw error
  }
  return ClickErrorCode.Success
}
