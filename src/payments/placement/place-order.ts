import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError, Modules } from "@medusajs/framework/utils"
import type { Logger } from "pino"
import { isCredentialsRefusal, isExplicitNotFound, judgeDebitLookupFailure, judgeDebitStatus, type DebitVerdict } from "../../click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import {
  ClickPaymentState,
  DebitVia,
  RefundReason,
  type ClickPaymentStateValue,
  type WorkClaim,
  type RefundReasonValue,
} from "../../modules/click"
import { placeClickOrderWorkflow, recordFoundClickOrderWorkflow, type ClickPaymentToPlace } from "../../workflows/place-click-order"
import { recordOrderWithFiscalReceipt } from "../fiscal/fiscal-receipt"
import { clickModule, type ClickTransactionRecord } from "../click-transactions"
import { reversalDatabase, reversalSentOrDone } from "../money-back/click-reversals"
import { clickPaymentNumber } from "../click-payment-number"
import { stampSession } from "./confirmation-stamp"
import { cartCompletion, clearDeadCartLock, ordersOfFailedCompletions } from "../medusa-tables"
import { noteMerchantApiCredentials, type CredentialsSign } from "../merchant-api-credentials"
import { paymentPolicy } from "../policy"
import { settleQueuedDebits } from "./queued-debits"
import { withWorkClaim } from "../work-claim"

export type PlacementOutcome =
  | { status: "placed"; orderId: string }
  /** Another request or process is placing it, or it waits for its next attempt. */
  | { status: "pending" }
  /** This attempt failed; the payment stays confirmed and is retried. */
  | { status: "retrying"; error: string }
  | { status: "refund_required"; reason: RefundReasonValue; error: string }
  /** Click's Merchant API could not yet say the money was taken: asked again after the backoff. */
  | { status: "awaiting_click"; reason: string }
  /** Click's Merchant API says the money was not taken: no order, ever (`contradicted`). */
  | { status: "contradicted"; answer: string }
  /** Click's Merchant API reports a saved-card debit failed: nothing was taken, the cart is payable again (`cancelled`). */
  | { status: "cancelled"; answer: string }
  | { status: "not_confirmed"; state: ClickPaymentStateValue }

/**
 * The one entry point from "Click confirmed the money" to "the order exists",
 * used by the Complete callback (after it answered), Click's repeated
 * Complete, the storefront's cart completion and the recovery job.
 *
 * Exclusion is a claim on the payment row (ClickWorkQueueService.claimWork):
 * one conditional UPDATE, no connection held while the order is placed, and
 * nothing to clean up when a process dies: the claim is a lease that runs out.
 * While placement runs, the lease is renewed. At most one payment per cart is
 * confirmed (a unique index), so the claim is a per-cart lock across processes.
 *
 * A lease cannot stop a process that froze (SIGSTOP, a VM pause, a GC stall)
 * past it and then resumes: the fence is in the database. Decisions about the
 * money (refund_required, contradicted, the backoff) apply only while the
 * claim is the newest (`attempts`, in the same UPDATE); and PostgreSQL refuses
 * a second order for the cart (medusa-tables.ts, installOneOrderPerClickCart),
 * so a resumed completion that read "no order yet" before it froze fails at
 * its links and Medusa removes its order. Recording the order as placed is not
 * fenced by the claim: the order it records is the cart's only one.
 */
export async function placeClickOrder(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<PlacementOutcome> {
  const claimed = await withWorkClaim(
    container,
    transactionId,
    ClickPaymentState.Confirmed,
    paymentPolicy().leaseSec,
    log,
    async (claim, stopRenewing) => {
      try {
        return { cartId: claim.merchant_trans_id, outcome: await placeUnderClaim(container, claim, log) }
      } catch (error) {
        await stopRenewing()
        return { cartId: claim.merchant_trans_id, outcome: await recordFailure(container, claim, error, log) }
      }
    }
  )
  if (!claimed) {
    return currentOutcome(container, transactionId)
  }
  const { cartId, outcome } = claimed.result
  if (ENDS_CONFIRMED.includes(outcome.status)) {
    // Debits queued behind this payment wait on exactly this outcome.
    settleCartQueueInBackground(container, cartId, log)
  }
  return outcome
}

/** Outcomes after which the payment is no longer `confirmed`. */
const ENDS_CONFIRMED: readonly PlacementOutcome["status"][] = ["placed", "refund_required", "contradicted", "cancelled", "not_confirmed"]

/**
 * Settles the cart's queued debits (queued-debits.ts) without waiting for it,
 * and places the one that became `confirmed` instead, if any. A failure is
 * left to the recovery job.
 */
export function settleCartQueueInBackground(container: MedusaContainer, cartId: string, log: Logger): void {
  settleQueuedDebits(container, cartId, log)
    .then((promoted) => {
      if (promoted) placeClickOrderInBackground(container, promoted, log)
    })
    .catch((error) =>
      log.error({ merchant_trans_id: cartId, err: (error as Error)?.message }, "queued debits not settled yet; the recovery job settles them")
    )
}

/** What became of a payment this call does not (or no longer) hold the claim on. */
async function currentOutcome(container: MedusaContainer, transactionId: string): Promise<PlacementOutcome> {
  const current = await clickModule(container).retrieveClickTransaction(transactionId, { select: ["state", "order_id"] })
  if (current.state === ClickPaymentState.Placed && current.order_id) {
    return { status: "placed", orderId: current.order_id }
  }
  return current.state === ClickPaymentState.Confirmed
    ? { status: "pending" }
    : { status: "not_confirmed", state: current.state as ClickPaymentStateValue }
}

/** What placement needs of the payment, read once after the claim and passed on (to the workflow too). */
const PLACEMENT_FIELDS = [
  "service_id",
  "click_paydoc_id",
  "merchant_trans_id",
  "merchant_prepare_id",
  "created_at",
  "payment_session_id",
  "amount_tiyin",
  "confirmation_token",
  "debit_via",
] as const
type ClaimedPayment = Pick<ClickTransactionRecord, (typeof PLACEMENT_FIELDS)[number]>

/**
 * In order: a refund Medusa already recorded (the order is recorded, never
 * a new one) → Click's word on the debit → the cart (gone, or paid another
 * way: a refund decision) → the stamp into the session → the order an
 * interrupted placement wrote, or Medusa's completion.
 */
async function placeUnderClaim(
  container: MedusaContainer,
  claim: WorkClaim,
  log: Logger
): Promise<PlacementOutcome> {
  const cartId = claim.merchant_trans_id
  const payment: ClaimedPayment = await clickModule(container).retrieveClickTransaction(claim.id, { select: [...PLACEMENT_FIELDS] })
  if (await reversalSentOrDone(reversalDatabase(container), claim.id)) {
    return recordOrderRefundedBeforePlaced(container, claim, payment, log)
  }
  // Nothing is decided for a debit, neither an order nor a refund, before Click says it is real.
  const unverified = await verifyDebitWithClick(container, claim, payment, log)
  if (unverified) {
    return unverified
  }
  await deleteOrdersOfFailedCompletions(container, cartId, log)
  // Read here, not taken from the debit's record: placement runs after Click's
  // answer, or long after from the job, and the cart may since have been
  // deleted, completed with another provider or given the order an interrupted
  // placement wrote; a failed completion's order is gone only from here on.
  const cart = await cartCompletion(container, cartId)
  if (!cart.exists) {
    return requireRefund(container, claim, RefundReason.Unplaceable, "the cart was deleted", log)
  }
  if (cart.orderId && cart.paidByAnotherProvider) {
    return requireRefund(container, claim, RefundReason.PaidElsewhere, `order ${cart.orderId} was paid by another provider`, log)
  }
  // Medusa authorizes the session (in either workflow below) only with the stamp.
  const stampError = await stampSession(container, payment)
  if (stampError) {
    return requireRefund(container, claim, RefundReason.Unplaceable, stampError, log)
  }
  if (cart.orderId) {
    // An earlier attempt wrote the order and died before recording it (even
    // before Medusa authorized the payment: completeCartWorkflow does that last).
    return recordFoundOrder(container, claim, payment, cart.orderId, log)
  }
  // Holding the claim and with no order for the cart, no completion of it is
  // running anywhere: our placements run under the claim, and the storefront's
  // completion route is held (hold-click-cart-completion.ts) until the order
  // exists. A lock row for the cart can only be a dead process's leftover.
  if (await clearDeadCartLock(container, cartId, { onlyExpired: false })) {
    log.warn({ merchant_trans_id: cartId }, "cleared a lock row a dead completion left for this cart")
  }
  const orderId = await recordOrderWithFiscalReceipt(container, { id: claim.id, service_id: payment.service_id }, log, async (fiscalStatus) => {
    const { result } = await placeClickOrderWorkflow(container).run({
      input: { ...paymentToPlace(claim, payment), cart_id: cartId, fiscal_status: fiscalStatus },
    })
    return result.order_id
  })
  log.info({ merchant_trans_id: cartId, order_id: orderId, attempt: claim.attempt }, "order placed")
  return { status: "placed", orderId }
}

/** The claimed payment as the workflows take it (workflows/place-click-order.ts). */
function paymentToPlace(claim: WorkClaim, payment: ClaimedPayment): ClickPaymentToPlace {
  return {
    transaction_id: claim.id,
    payment_session_id: payment.payment_session_id,
    click_paydoc_id: payment.click_paydoc_id,
    merchant_prepare_id: payment.merchant_prepare_id,
  }
}

/**
 * Asks Click's Merchant API whether the money of a confirmed payment was
 * taken (payment/status by `click_paydoc_id`), under the placement's claim.
 * Returns null when Click reports it paid (payment_status 2): placement goes
 * on. Click saying it was not taken makes the payment `contradicted`, with
 * Click's answer kept; a saved-card debit whose payment_status turned
 * negative is `cancelled` instead (isFailedCardDebit). Anything uncertain
 * (unreachable, our credentials, the payment in progress) defers the
 * placement by its backoff, counted apart
 * from its failures: an unanswered question is never a refund decision.
 * Our credentials refused (401/403) also raise the admin alert that names the
 * fix (merchant-api-credentials.ts). With the option verifyPayments off,
 * nothing is asked.
 */
async function verifyDebitWithClick(
  container: MedusaContainer,
  claim: WorkClaim,
  transaction: ClaimedPayment,
  log: Logger
): Promise<PlacementOutcome | null> {
  const payments = clickModule(container)
  let verdict: DebitVerdict
  let serviceId: string | null = null
  let credentials: CredentialsSign | null = null
  try {
    // No provider for the payment's service id is our configuration, not Click's word: it waits.
    const gateway = clickMerchantGateway(transaction.service_id)
    // A saved-card debit may be confirmed while Click still processes it: only payment/status tells it paid.
    if (!gateway.verifyPayments && transaction.debit_via !== DebitVia.CardToken) {
      return null
    }
    serviceId = gateway.serviceId
    const paymentId = await clickPaymentNumber(gateway.api, transaction)
    verdict = judgeDebitStatus(await gateway.api.paymentStatus(paymentId))
    credentials = { refused: false }
  } catch (error) {
    verdict = judgeDebitLookupFailure(error)
    if (isCredentialsRefusal(error)) credentials = { refused: true, detail: error.message }
    else if (isExplicitNotFound(error)) credentials = { refused: false }
  }
  if (serviceId && credentials) {
    await noteMerchantApiCredentials(container, serviceId, credentials, log)
  }
  const fields = { merchant_trans_id: claim.merchant_trans_id, click_paydoc_id: transaction.click_paydoc_id }
  switch (verdict.verdict) {
    case "paid":
      return (await payments.recordClickPaid(claim, 2)) ? null : { status: "pending" }
    case "wait": {
      const retryInSec = paymentPolicy().verificationWaitSec(claim.attempt, transaction.debit_via)
      log.warn({ ...fields, attempt: claim.attempt, retry_in_sec: retryInSec, err: verdict.reason }, "order waits for Click to confirm the debit")
      await payments.workQueue.deferForClick(claim, retryInSec, `waiting for Click's Merchant API to confirm the debit: ${verdict.reason}`)
      return { status: "awaiting_click", reason: verdict.reason }
    }
    case "contradicted": {
      if (isFailedCardDebit(transaction, verdict)) {
        return cancelFailedCardDebit(container, claim, verdict, fields, log)
      }
      const detail = `Click's Merchant API says this payment was not paid (${verdict.answer}), although it was reported debited (${transaction.debit_via === DebitVia.CardToken ? "card_token/payment" : "Complete"}): no order. Check it in the Click merchant cabinet.`
      const moved = await payments.transition({
        id: claim.id,
        from: ClickPaymentState.Confirmed,
        to: ClickPaymentState.Contradicted,
        reason: "click_contradicts_complete",
        detail: verdict.answer,
        claim,
        set: {
          verified_payment_status: verdict.paymentStatus,
          verification_answer: verdict.answer.slice(0, 500),
          last_error: detail,
        },
      })
      if (!moved) {
        return { status: "pending" }
      }
      log.error({ ...fields, click_answer: verdict.answer }, "Click's Merchant API contradicts a Complete: no order is placed, a person has to look")
      return { status: "contradicted", answer: verdict.answer }
    }
  }
}

type ContradictedVerdict = Extract<DebitVerdict, { verdict: "contradicted" }>

/**
 * A saved-card debit whose payment_status Click now reports negative. Nothing
 * but Click's own answer to card_token/payment confirmed it, and that answer
 * may be "processing": a failure afterwards is the card not debited, as when
 * card_token/payment answers a failed payment, not a contradiction. Click's
 * "not found" for the payment_id it gave us is still `contradicted`: a person looks.
 */
function isFailedCardDebit(transaction: ClaimedPayment, verdict: ContradictedVerdict): boolean {
  return transaction.debit_via === DebitVia.CardToken && verdict.paymentStatus !== null
}

/** `confirmed → cancelled`, Click's answer kept: no order, nothing to reverse, the cart payable again. */
async function cancelFailedCardDebit(
  container: MedusaContainer,
  claim: WorkClaim,
  verdict: ContradictedVerdict,
  fields: { merchant_trans_id: string; click_paydoc_id: string | null },
  log: Logger
): Promise<PlacementOutcome> {
  const moved = await clickModule(container).transition({
    id: claim.id,
    from: ClickPaymentState.Confirmed,
    to: ClickPaymentState.Cancelled,
    reason: "card_token_payment_failed",
    detail: verdict.answer,
    claim,
    set: {
      verified_payment_status: verdict.paymentStatus,
      verification_answer: verdict.answer.slice(0, 500),
      last_error: `Click's Merchant API reports the saved-card payment failed (${verdict.answer}): the card was not debited, no order.`,
    },
  })
  if (!moved) {
    return { status: "pending" }
  }
  log.info({ ...fields, click_answer: verdict.answer }, "saved card payment failed at Click after processing: no order, the cart is payable again")
  return { status: "cancelled", answer: verdict.answer }
}

async function recordFoundOrder(
  container: MedusaContainer,
  claim: WorkClaim,
  payment: ClaimedPayment,
  orderId: string,
  log: Logger
): Promise<PlacementOutcome> {
  await recordOrderWithFiscalReceipt(container, { id: claim.id, service_id: payment.service_id }, log, (fiscalStatus) =>
    recordFoundClickOrderWorkflow(container).run({
      input: { ...paymentToPlace(claim, payment), order_id: orderId, fiscal_status: fiscalStatus },
    })
  )
  log.warn({ merchant_trans_id: claim.merchant_trans_id, order_id: orderId }, "found the order an interrupted placement wrote; recorded it")
  return { status: "placed", orderId }
}

/**
 * A refund recorded in Medusa before its payment was `placed`: the placement
 * that wrote the order (after Click's "paid") and marked Medusa's payment as
 * placed stopped before `confirmed → placed`, and an admin refunded that
 * order. The reversal is ours, so Click now reports the payment reversed:
 * that is no contradiction, and Click is not asked. The order is recorded
 * (`placed`), and the refund then follows it to `reversed` (admin-refunds.ts);
 * with no order to record, the money is a refund decision. Money that went
 * back never becomes a new order.
 */
async function recordOrderRefundedBeforePlaced(
  container: MedusaContainer,
  claim: WorkClaim,
  payment: ClaimedPayment,
  log: Logger
): Promise<PlacementOutcome> {
  const cart = await cartCompletion(container, claim.merchant_trans_id)
  if (!cart.orderId || cart.paidByAnotherProvider) {
    return requireRefund(container, claim, RefundReason.RefundedByAdmin, "refunded in Medusa before its order was recorded", log)
  }
  return recordFoundOrder(container, claim, payment, cart.orderId, log)
}

/**
 * Medusa refuses with NOT_FOUND, NOT_ALLOWED or INVALID_DATA what will never
 * work: a deleted cart or variant, missing stock, a shipping option that is
 * gone, a session without Click's confirmation. Anything else (a database or
 * network fault, a timeout) may pass, and is retried with backoff. The type
 * is read off the error rather than by `instanceof`: errors come back from the
 * workflow engine as copies.
 */
const PERMANENT_ERROR_TYPES: readonly string[] = [
  MedusaError.Types.NOT_FOUND,
  MedusaError.Types.NOT_ALLOWED,
  MedusaError.Types.INVALID_DATA,
]

function isPermanent(error: unknown): boolean {
  const type = (error as { type?: unknown } | null)?.type
  return typeof type === "string" && PERMANENT_ERROR_TYPES.includes(type)
}

async function recordFailure(
  container: MedusaContainer,
  claim: WorkClaim,
  error: unknown,
  log: Logger
): Promise<PlacementOutcome> {
  const message = ((error as Error)?.message ?? String(error)).slice(0, 1000)
  const policy = paymentPolicy()
  const leftover = await deleteOrdersOfFailedCompletions(container, claim.merchant_trans_id, log).then(
    () => null,
    (cleanup: Error) => cleanup
  )
  if (leftover) {
    // Neither a refund nor another order while an order of the cart is still in the database.
    const retryInSec = policy.retryDelaySec(claim.attempt)
    const detail = `order placement failed: ${message}; ${leftover.message}`
    log.error({ merchant_trans_id: claim.merchant_trans_id, attempt: claim.attempt, retry_in_sec: retryInSec, err: detail }, "order placement failed")
    await clickModule(container).workQueue.rescheduleWork(claim, retryInSec, detail)
    return { status: "retrying", error: detail }
  }
  // Attempts that only waited for Click's word are not failures of the placement.
  const { verification_waits } = await clickModule(container).retrieveClickTransaction(claim.id, {
    select: ["verification_waits"],
  })
  const failures = claim.attempt - Number(verification_waits ?? 0)
  if (isPermanent(error) || failures >= policy.maxAttempts) {
    return requireRefund(container, claim, RefundReason.Unplaceable, message, log)
  }
  const retryInSec = policy.retryDelaySec(claim.attempt)
  log.error({ merchant_trans_id: claim.merchant_trans_id, attempt: claim.attempt, retry_in_sec: retryInSec, err: message }, "order placement failed")
  await clickModule(container).workQueue.rescheduleWork(claim, retryInSec, `order placement failed: ${message}`)
  return { status: "retrying", error: message }
}

/**
 * Deletes the orders a failed completion of the cart left behind
 * (ordersOfFailedCompletions), as that completion's compensation would have.
 * Placement does this before it decides anything: beside such an order a
 * refund would leave the shopper both the order and the money, and a new
 * completion would give the cart a second order. Throws, naming the orders,
 * when they cannot be deleted yet.
 */
async function deleteOrdersOfFailedCompletions(container: MedusaContainer, cartId: string, log: Logger): Promise<void> {
  const orderIds = await ordersOfFailedCompletions(container, cartId)
  if (orderIds.length === 0) return
  try {
    await container.resolve(Modules.ORDER).deleteOrders(orderIds)
  } catch (error) {
    throw new Error(`the order ${orderIds.join(", ")} a failed completion left could not be deleted: ${(error as Error)?.message ?? error}`)
  }
  log.warn({ merchant_trans_id: cartId, order_ids: orderIds }, "deleted the orders a failed completion of this cart left behind")
}

async function requireRefund(
  container: MedusaContainer,
  claim: WorkClaim,
  reason: RefundReasonValue,
  detail: string,
  log: Logger
): Promise<PlacementOutcome> {
  const moved = await clickModule(container).transition({
    id: claim.id,
    from: ClickPaymentState.Confirmed,
    to: ClickPaymentState.RefundRequired,
    reason,
    detail,
    claim,
    set: { refund_reason: reason, last_error: detail },
  })
  if (!moved) {
    // Another process took the payment over (this one stalled past its lease) or settled it: its outcome stands.
    log.warn({ merchant_trans_id: claim.merchant_trans_id, attempt: claim.attempt, err: detail }, "refund not decided: this placement no longer holds the payment")
    return currentOutcome(container, claim.id)
  }
  log.warn({ merchant_trans_id: claim.merchant_trans_id, refund_reason: reason, err: detail }, "paid Click payment needs a refund")
  return { status: "refund_required", reason, error: detail }
}

/**
 * Starts placement without waiting for it, through this container's placement
 * scheduler (ClickPlacementSchedulerService): once Click has this answer and
 * the other callbacks in flight have theirs (bounded: CLICK_PLACEMENT_YIELD_MS),
 * at most CLICK_PLACEMENT_CONCURRENCY at a time; a failure is recorded on the
 * payment and retried.
 */
export function placeClickOrderInBackground(container: MedusaContainer, transactionId: string, log: Logger): void {
  const policy = paymentPolicy()
  clickModule(container)
    .placementScheduler.placeAfterCallbacks(
      { yieldMs: policy.placementYieldMs, concurrency: policy.placementConcurrency },
      () => placeClickOrder(container, transactionId, log)
    )
    .catch((error) => log.error({ err: (error as Error)?.message }, "order placement could not start; the recovery job retries it"))
}
