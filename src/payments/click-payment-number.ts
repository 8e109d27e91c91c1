import { candidatePaymentDays, isExplicitNotFound } from "../click"
import type { ClickMerchantGateway } from "../providers/click/merchant-gateway"

/**
 * Click's payment number (the Merchant API's `payment_id`) for an attempt:
 * the `click_paydoc_id` Click sent, or, when it sent none, Click's answer for
 * our cart (`merchant_trans_id`) on the candidate Tashkent days of the Prepare
 * (src/click/reconciliation.ts). Only Click's explicit "not found" moves on to
 * the next day; when both days say so, the last "not found" is thrown. Any
 * other failure (401/403, another 4xx, a redirect, a 5xx, a timeout) is thrown
 * at once: it says nothing about either day.
 */
export async function clickPaymentNumber(
  api: Pick<ClickMerchantGateway["api"], "paymentStatusByMerchantTransId">,
  transaction: { click_paydoc_id?: string | null; merchant_trans_id: string; created_at: Date | string }
): Promise<string> {
  if (transaction.click_paydoc_id) {
    return transaction.click_paydoc_id
  }
  const [day, neighbour] = candidatePaymentDays(new Date(transaction.created_at))
  try {
    return (await api.paymentStatusByMerchantTransId(transaction.merchant_trans_id, day)).paymentId
  } catch (error) {
    if (!isExplicitNotFound(error)) throw error
    return (await api.paymentStatusByMerchantTransId(transaction.merchant_trans_id, neighbour)).paymentId
  }
}
