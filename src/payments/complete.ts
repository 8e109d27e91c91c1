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
import {
  ClickPaymentState,
  DEBITED_STATES,
  RefundReason,
  type ClickPaymentStateValue,
  type RefundReasonValue,
} from "../modules/click"
import { storedTiyin } from "../lib/medusa-amount"
import {
  clickModule,
  findTransaction,
  isUniqueViolation,
  type ClickTransactionRecord,
} from "./click-transactions"
import { stampSession } from "./confirmation-stamp"
import { cartCompletion, loadClickCart } from "./medusa-tables"
import { placeClickOrder } from "./place-order"

export interface CompleteContext {
  /** HMAC stamp the provider made for this verified Complete (error=0 only). */
  confirmation?: string
  /** What to answer to a cancel of an already confirmed payment (-4 or -9). */
  cancelOfConfirmedAnswer: -4 | -9
}

/** Our merchant_prepare_id is a Postgres serial: a longer number can name no transaction. */
const MAX_PREPARE_ID = 2_147_483_647

/**
 * Complete (action=1): Click reports the outcome of a prepared payment.
 * error=0 means the card was debited; error<0 means Click cancelled it.
 *
 * The answer comes from the payment's state alone: once the debit is recorded
 * (`confirmed`, or `refund_required` for money that must go back) Click hears
 * 0 or -4, and the order is placed after the answer. Only a debit that could
 * not be recorded at all (the database is down) is answered -7, so that
 * Click retries instead of forgetting it.
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

  const prepareId = Number(request.merchant_prepare_id)
  const transaction =
    prepareId <= MAX_PREPARE_ID ? await findTransaction(container, { merchant_prepare_id: prepareId }) : undefined
  if (!transaction || transaction.merchant_trans_id !== request.merchant_trans_id) {
    const cart = await loadClickCart(container, request.merchant_trans_id)
    return answer(cart?.session ? ClickErrorCode.TransactionNotFound : ClickErrorCode.UserNotFound)
  }
  const settled = settledAnswer(transaction.state, clickError, context)
  if (settled !== null) {
    if (transaction.state === ClickPaymentState.Confirmed) {
      // Paid, but the order is still missing: Click's retry is a chance to try again.
      placeInBackground(container, transaction.id, log)
    }
    return answer(settled)
  }
  if (parseSoumsToTiyin(request.amount) !== storedTiyin(transaction.amount_tiyin)) {
    return answer(ClickErrorCode.IncorrectAmount)
  }
  const outcome = await settle(container, transaction, request, clickError, context, log)
  if (outcome === ClickErrorCode.Success) {
    placeInBackground(container, transaction.id, log)
    return answer(outcome, transaction.merchant_prepare_id)
  }
  return answer(outcome)
}

/** The answer for an attempt that Click already settled, else null (it is still `prepared`). */
function settledAnswer(
  state: string,
  clickError: number,
  context: CompleteContext
): ClickErrorCodeValue | null {
  if (DEBITED_STATES.includes(state as ClickPaymentStateValue)) {
    return clickError < 0 ? context.cancelOfConfirmedAnswer : ClickErrorCode.AlreadyPaid
  }
  if (state === ClickPaymentState.Cancelled) {
    return ClickErrorCode.TransactionCancelled
  }
  return null
}

/**
 * Moves a prepared attempt out of `prepared`, once. Every move is a
 * conditional update, so identical Completes racing each other (or several
 * processes) settle it exactly once and the others read the result.
 */
async function settle(
  container: MedusaContainer,
  transaction: ClickTransactionRecord,
  request: CompleteRequest,
  clickError: number,
  context: CompleteContext,
  log: Logger
): Promise<ClickErrorCodeValue> {
  const payments = clickModule(container)
  const common = { complete_click_trans_id: request.click_trans_id, click_error: request.error }
  const move = (to: ClickPaymentStateValue, reason: string, set: Record<string, unknown> = {}, detail?: string) =>
    payments.transition({
      id: transaction.id,
      from: ClickPaymentState.Prepared,
      to,
      reason,
      detail,
      set: { ...common, ...set },
    })
  const answerFromState = async () => {
    const current = await payments.retrieveClickTransaction(transaction.id, { select: ["state"] })
    return settledAnswer(current.state, clickError, context) ?? ClickErrorCode.FailedToUpdate
  }
  const refund = async (reason: RefundReasonValue, detail: string, answerCode: ClickErrorCodeValue) => {
    const moved = await move(ClickPaymentState.RefundRequired, reason, { refund_reason: reason, last_error: detail }, detail)
    if (!moved) {
      return answerFromState()
    }
    log.warn({ merchant_prepare_id: transaction.merchant_prepare_id, refund_reason: reason }, "debited Click payment needs a refund")
    return answerCode
  }

  if (clickError < 0) {
    return (await move(ClickPaymentState.Cancelled, "click_cancelled")) ? ClickErrorCode.TransactionCancelled : answerFromState()
  }
  const alreadyPaid = await paidByOtherMeans(container, transaction)
  if (alreadyPaid) {
    return refund(alreadyPaid, "debited after the cart was already paid", ClickErrorCode.AlreadyPaid)
  }
  // The stamp goes on the session before the payment says `confirmed`, so a
  // confirmed payment always has a session Medusa will authorize.
  const stampError = await stampSession(container, transaction, {
    merchant_prepare_id: transaction.merchant_prepare_id,
    token: context.confirmation,
  })
  if (stampError) {
    // Click has the money; it hears 0, and the money goes back.
    return refund(RefundReason.Unplaceable, stampError, ClickErrorCode.Success)
  }
  try {
    const moved = await move(ClickPaymentState.Confirmed, "click_confirmed")
    if (!moved) {
      return answerFromState()
    }
  } catch (error) {
    if (isUniqueViolation(error)) {
      // Another attempt for this cart was confirmed in the same instant.
      return refund(RefundReason.DoublePayment, "debited while another attempt paid the cart", ClickErrorCode.AlreadyPaid)
    }
    throw error
  }
  log.info({ merchant_prepare_id: transaction.merchant_prepare_id }, "payment confirmed")
  return ClickErrorCode.Success
}

/** Another Click attempt pays for this cart, or the cart was completed without Click. */
async function paidByOtherMeans(
  container: MedusaContainer,
  transaction: ClickTransactionRecord
): Promise<RefundReasonValue | null> {
  const [paying, cart] = await Promise.all([
    clickModule(container).listClickTransactions(
      { merchant_trans_id: transaction.merchant_trans_id, state: [ClickPaymentState.Confirmed, ClickPaymentState.Placed] },
      { take: 1, select: ["id"] }
    ),
    cartCompletion(container, transaction.merchant_trans_id),
  ])
  if (paying.length) {
    return RefundReason.DoublePayment
  }
  return cart.completed ? RefundReason.PaidElsewhere : null
}

/** Places the order after Click has its answer; a failure is recorded on the payment and retried. */
function placeInBackground(container: MedusaContainer, transactionId: string, log: Logger) {
  placeClickOrder(container, transactionId, log).catch((error) =>
    log.error({ err: (error as Error)?.message }, "order placement could not start; the recovery job retries it")
  )
}
