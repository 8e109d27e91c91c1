import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickPaymentState, RefundReason } from "../../modules/click"
import { clickModule } from "../click-transactions"
import { placedClickPaymentsRefundedInMedusa } from "../medusa-tables"
import { paymentPolicy } from "../policy"
import { reverseClickPayment, type ReversalOutcome } from "./reverse-payment"

/**
 * A full refund of a Click order, recorded in Medusa (or asked from the admin
 * and left uncertain by a lost answer, or its order cancelled): the Click payment follows,
 * placed → refund_required (refunded_by_admin) → reversed, through the
 * reversal job's own path. That path reverses at most once: a reversal the
 * refund already made is found in click_reversal and not sent again. Called
 * by the payment.refunded subscriber and by the job that catches what the
 * subscriber missed; a payment not yet placed is left for the job's next run.
 */
export async function followClickRefund(
  container: MedusaContainer,
  transactionId: string,
  detail: string,
  log: Logger
): Promise<ReversalOutcome> {
  await clickModule(container).transition({
    id: transactionId,
    from: ClickPaymentState.Placed,
    to: ClickPaymentState.RefundRequired,
    reason: RefundReason.RefundedByAdmin,
    detail,
    set: { refund_reason: RefundReason.RefundedByAdmin },
  })
  return reverseClickPayment(container, transactionId, log)
}

/**
 * Placed Click payments Medusa refunded in full, or whose order it cancelled,
 * and whose Click state did not follow: each follows now. Click refusing ends
 * it `reversal_failed` with Click's reason, in the admin's needs-attention list.
 */
export async function followMissedClickRefunds(container: MedusaContainer, log: Logger): Promise<void> {
  for (const row of await placedClickPaymentsRefundedInMedusa(container, paymentPolicy().jobBatchSize)) {
    const detail = `refunded or cancelled from the admin (payment ${row.payment_id ?? "unknown"}), found by the job`
    await followClickRefund(container, row.transaction_id, detail, log).catch((error) =>
      log.error({ transaction_id: row.transaction_id, err: (error as Error)?.message }, "following a Click refund failed; the job retries")
    )
  }
}
