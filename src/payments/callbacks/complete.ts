import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import {
  ClickErrorCode,
  completeAnswer,
  parseSoumsToTiyin,
  type ClickErrorCodeValue,
  type CompleteAnswer,
  type CompleteRequest,
} from "../../click"
import { ClickPaymentState, DEBITED_STATES, RefundReason, type AttemptOfComplete, type ClickPaymentStateValue } from "../../modules/click"
import { storedTiyin } from "../../lib/medusa-amount"
import { clickModule } from "../click-transactions"
import { loadClickCart } from "../medusa-tables"
import { placeClickOrderInBackground, settleCartQueueInBackground } from "../placement/place-order"
import { reconcileClickPaymentInBackground } from "../money-back/reconcile-payment"
import { isPaymentOfService, type LateClickCallback, type VerifiedClickCallback } from "../../providers/click/merchant-gateway"
import { recordDebit } from "./record-debit"

/**
 * What a Complete's handling takes from its service's gateway: the HMAC stamp
 * made for a verified Complete (error=0 only), and what a cancel of an already
 * confirmed payment hears (-4 or -9).
 */
type CompleteContext = Pick<VerifiedClickCallback<"complete">, "confirmation" | "cancelOfConfirmedAnswer">

/** Our merchant_prepare_id is a Postgres serial: a longer number can name no transaction. */
const MAX_PREPARE_ID = 2_147_483_647

/**
 * Complete (action=1): Click reports the outcome of a prepared payment.
 * error=0 means the card was debited; error<0 means Click cancelled it.
 *
 * The answer comes from the payment's state alone: once the debit is recorded
 * (`confirmed`, `queued` behind another confirmed attempt of the cart, or
 * `refund_required` for money that must go back) Click hears 0 or -4, and the
 * order is placed after the answer. Only a debit that could
 * not be recorded at all (the database is down) is answered -7, so that
 * Click retries instead of forgetting it.
 */
export async function handleComplete(
  container: MedusaContainer,
  verified: VerifiedClickCallback<"complete">,
  log: Logger
): Promise<CompleteAnswer> {
  const { request } = verified
  const context: CompleteContext = verified
  const answer = answerTo(request)
  const clickError = Number(request.error)
  if (clickError > 0) {
    return answer(ClickErrorCode.BadRequest)
  }

  const transaction = await findAttemptNamedBy(container, request)
  if (!transaction) {
    const cart = await loadClickCart(container, request.merchant_trans_id)
    return answer(cart?.session ? ClickErrorCode.TransactionNotFound : ClickErrorCode.UserNotFound)
  }
  const settled = settledAnswer(transaction.state, clickError, context)
  if (settled !== null) {
    if (transaction.state === ClickPaymentState.Confirmed) {
      if (clickError < 0) {
        // A cancel for a payment an earlier Complete confirmed: one of the two
        // is not Click's (`error` is not signed). Click's Merchant API decides,
        // now: placement asks it before anything else, even while it waits.
        await clickModule(container).workQueue.expediteWork(transaction.id, ClickPaymentState.Confirmed)
      }
      // Paid, but the order is still missing: Click's retry is a chance to try again.
      placeClickOrderInBackground(container, transaction.id, log)
    }
    if (transaction.state === ClickPaymentState.Queued) {
      settleCartQueueInBackground(container, transaction.merchant_trans_id, log)
    }
    return answer(settled)
  }
  if (parseSoumsToTiyin(request.amount) !== storedTiyin(transaction.amount_tiyin)) {
    return answer(ClickErrorCode.IncorrectAmount)
  }
  const outcome = await settle(container, transaction, request, clickError, context, log)
  if (outcome === ClickErrorCode.Success) {
    placeClickOrderInBackground(container, transaction.id, log)
    return answer(outcome, transaction.merchant_prepare_id)
  }
  return answer(outcome)
}

/**
 * A correctly signed Complete whose sign_time is stale: Click retrying long
 * after the payment, or a captured Complete replayed. A payment Click already
 * settled hears what a fresh repeat hears (-4 debited, -9 cancelled); nothing
 * changes. Only a payment still `prepared` is unknown: -8, and Click's
 * Merchant API is asked at once whether the money was taken, because
 * Click's own `error` is not signed and a stale signature proves nothing.
 */
export async function answerLateComplete(
  container: MedusaContainer,
  late: LateClickCallback<"complete">,
  log: Logger
): Promise<CompleteAnswer> {
  const { request } = late
  const context: Pick<CompleteContext, "cancelOfConfirmedAnswer"> = late
  const answer = answerTo(request)
  const clickError = Number(request.error)
  const transaction = clickError > 0 ? undefined : await findAttemptNamedBy(container, request)
  if (!transaction) {
    return answer(ClickErrorCode.BadRequest)
  }
  const settled = settledAnswer(transaction.state, clickError, context)
  if (settled !== null) {
    return answer(settled)
  }
  reconcileClickPaymentInBackground(container, transaction.id, log)
  return answer(ClickErrorCode.BadRequest)
}

function answerTo(request: CompleteRequest) {
  return (error: ClickErrorCodeValue, confirmId?: number) =>
    completeAnswer({
      click_trans_id: request.click_trans_id,
      merchant_trans_id: request.merchant_trans_id,
      merchant_confirm_id: confirmId ?? null,
      error,
    })
}

/**
 * The attempt a Complete's `merchant_prepare_id` names, if it is of the same
 * cart and was prepared for the service the Complete is signed for: an attempt
 * of another Click service is unknown to this one (-6), and nothing moves.
 */
async function findAttemptNamedBy(container: MedusaContainer, request: CompleteRequest): Promise<AttemptOfComplete | undefined> {
  const prepareId = Number(request.merchant_prepare_id)
  const transaction = prepareId <= MAX_PREPARE_ID ? await clickModule(container).findAttemptByPrepareId(prepareId) : undefined
  return transaction?.merchant_trans_id === request.merchant_trans_id && isPaymentOfService(transaction.service_id, request.service_id)
    ? transaction
    : undefined
}

/**
 * Attempts whose Complete was answered 0: Click hears what it hears for a
 * confirmed payment (-4, or the cancel answer), whatever came after. A
 * `contradicted` one too: its order was refused on Click's Merchant API's
 * word, after the answer, and a repeat (Click's own, or a certification
 * tool's made-up payment) must not see the protocol change under it.
 */
const ANSWERED_AS_CONFIRMED: readonly ClickPaymentStateValue[] = [...DEBITED_STATES, ClickPaymentState.Contradicted]

/** The answer for an attempt that Click already settled, else null (it is still `prepared`). */
function settledAnswer(
  state: string,
  clickError: number,
  context: Pick<CompleteContext, "cancelOfConfirmedAnswer">
): ClickErrorCodeValue | null {
  if (ANSWERED_AS_CONFIRMED.includes(state as ClickPaymentStateValue)) {
    return clickError < 0 ? context.cancelOfConfirmedAnswer : ClickErrorCode.AlreadyPaid
  }
  if (state === ClickPaymentState.Cancelled) {
    return ClickErrorCode.TransactionCancelled
  }
  return null
}

/**
 * Moves a prepared attempt out of `prepared`, once: cancelled, or debited
 * (recordDebit). A second request that lost the race answers from the state
 * the first one wrote.
 */
async function settle(
  container: MedusaContainer,
  transaction: AttemptOfComplete,
  request: CompleteRequest,
  clickError: number,
  context: CompleteContext,
  log: Logger
): Promise<ClickErrorCodeValue> {
  const payments = clickModule(container)
  const set = { complete_click_trans_id: request.click_trans_id, click_error: request.error }
  const answerFromState = async () => {
    const current = await payments.retrieveClickTransaction(transaction.id, { select: ["state"] })
    return settledAnswer(current.state, clickError, context) ?? ClickErrorCode.FailedToUpdate
  }
  if (clickError < 0) {
    const cancelled = await payments.transition({
      id: transaction.id,
      from: ClickPaymentState.Prepared,
      to: ClickPaymentState.Cancelled,
      reason: "click_cancelled",
      set,
    })
    return cancelled ? ClickErrorCode.TransactionCancelled : answerFromState()
  }
  const outcome = await recordDebit(container, transaction, { confirmation: context.confirmation, reason: "click_confirmed", set }, log)
  switch (outcome.state) {
    case "confirmed":
      return ClickErrorCode.Success
    case "queued":
      // The debit is recorded and ends as the order or a reversal: Click hears
      // what it hears for a paid cart. The attempt it waits on may have ended
      // while it was being queued.
      settleCartQueueInBackground(container, transaction.merchant_trans_id, log)
      return ClickErrorCode.AlreadyPaid
    case "refund_required":
      // A cart paid another way hears "already paid"; a debit that merely cannot
      // become its order hears 0 (Click forbids failing it), and the money goes back.
      return outcome.reason === RefundReason.Unplaceable ? ClickErrorCode.Success : ClickErrorCode.AlreadyPaid
    case "already_settled":
      return answerFromState()
  }
}
