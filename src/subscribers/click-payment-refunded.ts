import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { MathBN, Modules } from "@medusajs/framework/utils"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState } from "../modules/click"
import { followClickRefund } from "../payments/money-back/admin-refunds"
import { findTransaction } from "../payments/click-transactions"
import { isClickProviderId } from "../providers/click/ids"

/**
 * A merchant refunded a Click order in full from the admin, and Click
 * reversed it (the provider's refundPayment): the payment's state follows,
 * placed → refund_required (refunded_by_admin) → reversed, through
 * payments/money-back/admin-refunds.ts (which finds the reversal already made and sends
 * nothing). A partial refund leaves the payment `placed`. An event lost here
 * is caught by the job jobs/follow-click-refunds.ts.
 */
export default async function clickPaymentRefunded({ event, container }: SubscriberArgs<{ id: string }>) {
  const payment = await container.resolve(Modules.PAYMENT).retrievePayment(event.data.id, {
    select: ["id", "provider_id", "amount", "raw_amount", "payment_session.id"],
    relations: ["refunds", "payment_session"],
  })
  const sessionId = payment.payment_session?.id
  if (!isClickProviderId(payment.provider_id) || !sessionId) {
    return
  }
  const refunded = (payment.refunds ?? []).reduce((sum, refund) => MathBN.add(sum, refund.raw_amount ?? refund.amount), MathBN.convert(0))
  if (MathBN.lt(refunded, payment.raw_amount ?? payment.amount)) {
    return
  }
  // The session's debited attempt; a declined one of the same session is cancelled. Not placed yet: the job follows it later.
  const transaction = await findTransaction(container, { payment_session_id: sessionId, state: ClickPaymentState.Placed })
  if (!transaction) {
    return
  }
  const log = clickLogger.child({ subscriber: "click-payment-refunded" })
  const outcome = await followClickRefund(container, transaction.id, `refunded from the admin (payment ${payment.id})`, log)
  log.info({ merchant_trans_id: transaction.merchant_trans_id, payment_id: payment.id, outcome }, "Click payment follows an admin refund")
}

export const config: SubscriberConfig = {
  event: "payment.refunded",
}
