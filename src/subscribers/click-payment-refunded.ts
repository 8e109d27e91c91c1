import type { SubscriberArgs, SubscriberConfig } from "@medusajs/framework"
import { MathBN, Modules } from "@medusajs/framework/utils"
import { clickLogger } from "../lib/logger"
import { ClickPaymentState, RefundReason } from "../modules/click"
import { CLICK_PROVIDER_ID } from "../providers/click/ids"
import { clickModule, findTransaction } from "../payments/click-transactions"

/**
 * A merchant refunded a Click order in full from the admin, and Click
 * reversed it (the provider's refundPayment): the payment's state follows,
 * placed → refund_required (refunded_by_admin) → reversed. A partial refund
 * leaves the payment `placed`.
 */
export default async function clickPaymentRefunded({ event, container }: SubscriberArgs<{ id: string }>) {
  const payment = await container.resolve(Modules.PAYMENT).retrievePayment(event.data.id, {
    select: ["id", "provider_id", "amount", "raw_amount", "payment_session.id"],
    relations: ["refunds", "payment_session"],
  })
  const sessionId = payment.payment_session?.id
  if (payment.provider_id !== CLICK_PROVIDER_ID || !sessionId) {
    return
  }
  const refunded = (payment.refunds ?? []).reduce((sum, refund) => MathBN.add(sum, refund.raw_amount ?? refund.amount), MathBN.convert(0))
  if (MathBN.lt(refunded, payment.raw_amount ?? payment.amount)) {
    return
  }
  const transaction = await findTransaction(container, {
    payment_session_id: sessionId,
    state: ClickPaymentState.Placed,
  })
  if (!transaction) {
    return
  }
  const payments = clickModule(container)
  const detail = `refunded from the admin (payment ${payment.id})`
  await payments.transition({
    id: transaction.id,
    from: ClickPaymentState.Placed,
    to: ClickPaymentState.RefundRequired,
    reason: RefundReason.RefundedByAdmin,
    detail,
    set: { refund_reason: RefundReason.RefundedByAdmin },
  })
  await payments.transition({
    id: transaction.id,
    from: ClickPaymentState.RefundRequired,
    to: ClickPaymentState.Reversed,
    reason: "reversed",
    detail,
  })
  clickLogger.warn({ merchant_trans_id: transaction.merchant_trans_id, payment_id: payment.id }, "Click payment reversed for an admin refund")
}

export const config: SubscriberConfig = {
  event: "payment.refunded",
}
