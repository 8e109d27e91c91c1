/** What a Click payment session stores in Medusa's `payment_session.data`. */
export interface ClickSessionData {
  cart_id: string
  merchant_trans_id: string
  session_id: string
  /** What is owed, in soums with two decimals, as it appears in the pay link. */
  amount: string
  amount_tiyin: string
  currency_code: "uzs"
  payment_url: string
  /** Written by the Complete callback once Click confirmed the payment. */
  click_confirmation?: { merchant_prepare_id: number; token: string }
  /** Written on Medusa's Payment when its order is placed: only such a payment can be refunded. */
  click_placed?: { order_id: string; paydoc_id: string | null; merchant_prepare_id: number }
  /** Refunds recorded for admin refunds: reversed by Click, or returned outside Click by a person (Click refused). */
  click_reversals?: Array<{ amount_tiyin: string; at: string; by?: "click" | "outside_click" }>
}
