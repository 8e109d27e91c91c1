import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import {
  ClickPaymentState,
  RefundReason,
  type ClickPaymentStateValue,
  type RefundReasonValue,
  type TransitionInput,
} from "../modules/click"
import { clickModule, isUniqueViolation, type ClickTransactionRecord } from "./click-transactions"
import { stampSession } from "./confirmation-stamp"
import { cartCompletion } from "./medusa-tables"

/**
 * What became of a debit Click reported for a prepared attempt:
 * `confirmed` (its order comes next), `refund_required` with the reason
 * (the money goes back), or `already_settled` when another request moved
 * the attempt first (read its state).
 */
export type DebitOutcome =
  | { state: "confirmed" }
  | { state: "refund_required"; reason: RefundReasonValue }
  | { state: "already_settled" }

/**
 * Records that Click debited a prepared attempt, once. Used by Click's
 * Complete and by reconciliation (Click's Merchant API reports it paid). Every
 * move is a conditional update, so identical Completes racing each other, or
 * several processes, settle it exactly once and the others see
 * `already_settled`.
 */
export async function recordDebit(
  container: MedusaContainer,
  transaction: ClickTransactionRecord,
  debit: {
    /** The provider's HMAC stamp for this payment. */
    confirmation: string | undefined
    /** Audit reason: `click_confirmed` or `reconciled`. */
    reason: string
    set?: TransitionInput["set"]
  },
  log: Logger
): Promise<DebitOutcome> {
  const payments = clickModule(container)
  const move = (to: ClickPaymentStateValue, reason: string, set: TransitionInput["set"] = {}, detail?: string) =>
    payments.transition({ id: transaction.id, from: ClickPaymentState.Prepared, to, reason, detail, set: { ...debit.set, ...set } })
  const refund = async (reason: RefundReasonValue, detail: string): Promise<DebitOutcome> => {
    if (!(await move(ClickPaymentState.RefundRequired, reason, { refund_reason: reason, last_error: detail }, detail))) {
      return { state: "already_settled" }
    }
    log.warn({ merchant_prepare_id: transaction.merchant_prepare_id, refund_reason: reason }, "debited Click payment needs a refund")
    return { state: "refund_required", reason }
  }

  const alreadyPaid = await paidByOtherMeans(container, transaction)
  if (alreadyPaid) {
    return refund(alreadyPaid, "debited after the cart was already paid")
  }
  // The stamp goes on the session before the payment says `confirmed`, so a
  // confirmed payment always has a session Medusa will authorize.
  const stampError = await stampSession(container, transaction, {
    merchant_prepare_id: transaction.merchant_prepare_id,
    token: debit.confirmation,
  })
  if (stampError) {
    return refund(RefundReason.Unplaceable, stampError)
  }
  try {
    if (!(await move(ClickPaymentState.Confirmed, debit.reason))) {
      return { state: "already_settled" }
    }
  } catch (error) {
    if (isUniqueViolation(error)) {
      // Another attempt for this cart was confirmed in the same instant.
      return refund(RefundReason.DoublePayment, "debited while another attempt paid the cart")
    }
    throw error
  }
  log.info({ merchant_prepare_id: transaction.merchant_prepare_id, via: debit.reason }, "payment confirmed")
  return { state: "confirmed" }
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
