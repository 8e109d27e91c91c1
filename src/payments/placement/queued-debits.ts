import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickPaymentState, RefundReason, type RefundReasonValue } from "../../modules/click"
import { storedTiyin } from "../../lib/medusa-amount"
import { clickModule, isUniqueViolation } from "../click-transactions"
import { cartAmountDueTiyin, cartCompletion } from "../medusa-tables"

/**
 * Settles the `queued` debits of a cart (Click debited them while another
 * attempt of the cart was `confirmed`) once no attempt of the cart is
 * `confirmed` any more. Its order exists → each is a double payment
 * (refund_required; reverse-payment.ts gives the money back). It ended without
 * an order → the oldest whose amount is what the cart owes becomes
 * `confirmed`, and its id is returned for the caller to place (place-order.ts,
 * which asks Click's Merchant API first, as for any debit); the rest wait on
 * it. A debit the cart can no longer be paid with (its total changed, the
 * cart is gone) is refunded as unplaceable.
 *
 * Every move is one conditional transition, so concurrent calls (the
 * placement that ended the blocker, Click's repeated Complete, the job in
 * several processes) settle each debit once; a second `confirmed` is refused
 * by the one-paying-attempt-per-cart index. Nothing is held between the
 * moves: a process that dies leaves rows the job's next run settles
 * (ClickWorkQueueService.listCartsWithUnblockedQueue).
 */
export async function settleQueuedDebits(container: MedusaContainer, cartId: string, log: Logger): Promise<string | null> {
  const payments = clickModule(container)
  const attempts = await payments.listClickTransactions(
    { merchant_trans_id: cartId },
    { select: ["id", "state", "amount_tiyin", "merchant_prepare_id"], order: { created_at: "ASC" } }
  )
  const queued = attempts.filter((t) => t.state === ClickPaymentState.Queued)
  if (!queued.length || attempts.some((t) => t.state === ClickPaymentState.Confirmed)) {
    return null
  }
  const refund = async (id: string, reason: RefundReasonValue, detail: string) => {
    const moved = await payments.transition({
      id,
      from: ClickPaymentState.Queued,
      to: ClickPaymentState.RefundRequired,
      reason,
      detail,
      set: { refund_reason: reason, last_error: detail },
    })
    if (moved) {
      log.warn({ merchant_trans_id: cartId, merchant_prepare_id: moved.merchant_prepare_id, refund_reason: reason }, "queued Click debit needs a refund")
    }
  }

  const cart = await cartCompletion(container, cartId)
  if (cart.completed) {
    for (const debit of queued) {
      await (cart.paidByAnotherProvider
        ? refund(debit.id, RefundReason.PaidElsewhere, "debited while the cart was being paid by another provider")
        : refund(debit.id, RefundReason.DoublePayment, "debited while another attempt paid the cart"))
    }
    return null
  }
  const owed = cart.exists ? await cartAmountDueTiyin(container, cartId) : null
  const next = queued.find((debit) => owed !== null && storedTiyin(debit.amount_tiyin) === owed)
  if (!next) {
    for (const debit of queued) {
      await refund(debit.id, RefundReason.Unplaceable, "the attempt it waited on ended without an order, and the cart no longer owes this amount")
    }
    return null
  }
  try {
    const promoted = await payments.transition({
      id: next.id,
      from: ClickPaymentState.Queued,
      to: ClickPaymentState.Confirmed,
      reason: "waited_on_attempt_ended",
    })
    if (!promoted) return null
  } catch (error) {
    // Another call confirmed a debit of this cart first: the others now wait on it.
    if (isUniqueViolation(error)) return null
    throw error
  }
  log.info({ merchant_trans_id: cartId, merchant_prepare_id: next.merchant_prepare_id }, "queued Click debit confirmed: the attempt it waited on ended without an order")
  return next.id
}
