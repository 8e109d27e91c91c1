import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import {
  ClickPaymentState,
  RefundReason,
  type ClickPaymentStateValue,
  type RefundReasonValue,
  type TransitionInput,
} from "../../modules/click"
import type { ClickMerchantGateway } from "../../providers/click/merchant-gateway"
import { storedTiyin } from "../../lib/medusa-amount"
import { clickModule, isUniqueViolation, type ClickTransactionRecord } from "../click-transactions"
import { cartCompletion } from "../medusa-tables"

/**
 * The confirmation stamp of a debit Click reported without a Complete
 * (reconciliation's payment/status, a saved card's card_token/payment): the
 * attempt's service signs the attempt's own cart, amount and number, what a
 * verified Complete's stamp covers as Click sent them.
 */
export function stampOfAttempt(
  gateway: Pick<ClickMerchantGateway, "confirmationFor">,
  attempt: { merchant_trans_id: string; merchant_prepare_id: number; amount_tiyin: unknown }
): string {
  return gateway.confirmationFor({
    cartId: attempt.merchant_trans_id,
    amountTiyin: storedTiyin(attempt.amount_tiyin),
    merchantPrepareId: attempt.merchant_prepare_id,
  })
}

/**
 * What became of a debit Click reported for a prepared attempt:
 * `confirmed` (its order comes next), `queued` (another attempt of the cart
 * is confirmed: its outcome decides this one's, queued-debits.ts),
 * `refund_required` with the reason (the money goes back), or
 * `already_settled` when another request moved the attempt first (read its
 * state).
 */
export type DebitOutcome =
  | { state: "confirmed" }
  | { state: "queued" }
  | { state: "refund_required"; reason: RefundReasonValue }
  | { state: "already_settled" }

/**
 * Records that Click debited a prepared attempt, once. Used by Click's
 * Complete and by reconciliation (Click's Merchant API reports it paid). Every
 * move is a conditional update, so identical Completes racing each other, or
 * several processes, settle it exactly once and the others see
 * `already_settled`. This is the whole of what Click waits for: the
 * confirmation stamp goes on the row with `confirmed`, and the placement that
 * follows copies it into Medusa's session (confirmation-stamp.ts).
 */
export async function recordDebit(
  container: MedusaContainer,
  transaction: Pick<ClickTransactionRecord, "id" | "merchant_prepare_id" | "merchant_trans_id">,
  debit: {
    /** The provider's HMAC stamp for this payment, kept on the row for its placement. */
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

  // A confirmed attempt may still end without an order (its session replaced,
  // Click contradicting it): this debit then becomes the order instead. One
  // that ended in the meantime leaves this debit queued with nothing to wait
  // on: the caller settles the queue right after, the job if the process dies.
  const waitOrRefund = async (): Promise<DebitOutcome> => {
    const attempts = await payments.listCartAttempts(transaction.merchant_trans_id)
    if (attempts.some((t) => t.state === ClickPaymentState.Placed)) {
      return refund(RefundReason.DoublePayment, "debited while another attempt paid the cart")
    }
    const detail = "debited while another attempt of the cart is confirmed: that attempt's outcome decides"
    if (!(await move(ClickPaymentState.Queued, debit.reason, { confirmation_token: debit.confirmation }, detail))) {
      return { state: "already_settled" }
    }
    log.warn({ merchant_prepare_id: transaction.merchant_prepare_id }, "Click debit queued behind the cart's confirmed attempt")
    return { state: "queued" }
  }

  const cart = await cartCompletion(container, transaction.merchant_trans_id)
  if (cart.completed) {
    return cart.paidByAnotherProvider
      ? refund(RefundReason.PaidElsewhere, "debited after the cart was already paid")
      : refund(RefundReason.DoublePayment, "debited after another attempt paid the cart")
  }
  if (!debit.confirmation) {
    return refund(RefundReason.Unplaceable, "no confirmation stamp for this debit")
  }
  try {
    if (!(await move(ClickPaymentState.Confirmed, debit.reason, { confirmation_token: debit.confirmation }))) {
      return { state: "already_settled" }
    }
  } catch (error) {
    if (isUniqueViolation(error)) {
      // Another attempt for this cart is confirmed or placed: the database
      // admits one paying attempt per cart (IDX_click_transaction_one_paying_per_cart).
      return waitOrRefund()
    }
    throw error
  }
  log.info({ merchant_prepare_id: transaction.merchant_prepare_id, via: debit.reason }, "payment confirmed")
  return { state: "confirmed" }
}
