/**
 * The life of one Click payment attempt (one `click_trans_id`), and the only
 * moves it may make. Money decisions are states, never free text: once a
 * payment is `refund_required` no later write can turn it back into an order.
 *
 *   prepared ──► confirmed ──► placed ──► refund_required ──► reversed
 *      │  │          │   │                    ▲   │    ▲
 *      │  │          │   └────────────────────┘   ▼    │
 *      │  └──────────┼──────────────────────► reversal_failed (retry: back to refund_required)
 *      ▼             ▼
 *   cancelled    contradicted (Click's Merchant API says the money was not taken)
 *
 * (prepared → refund_required: Click debited a cart that was already paid.)
 * (prepared → queued → confirmed | refund_required: debited while another
 * attempt of the cart was confirmed; that attempt's outcome decides.)
 * (reversal_failed → refunded_outside_click: a person returned the money;
 * placed → reversal_failed first when it was an admin refund Click refused.)
 * (prepared, refund_required → duplicate: the same Click payment as another
 * attempt that is confirmed, placed or queued; nothing of it is ever reversed.)
 */
export const ClickPaymentState = {
  /** Prepare answered 0: Click may now debit the card. */
  Prepared: "prepared",
  /** Complete error=0: debited, the order is still to be placed. */
  Confirmed: "confirmed",
  /** Debited and its order exists. */
  Placed: "placed",
  /**
   * Complete error<0, or Click reports the payment failed: nothing was
   * debited. A saved-card debit enters it from `confirmed` too, when Click's
   * payment/status turns negative (transitionOnlyVia).
   */
  Cancelled: "cancelled",
  /** Debited, but the money must go back; `refund_reason` says why. */
  RefundRequired: "refund_required",
  /** The money went back through Click's Merchant API. */
  Reversed: "reversed",
  /** Click refused the reversal; a person has to act (`last_error` has Click's reason). */
  ReversalFailed: "reversal_failed",
  /**
   * A Complete said "debited", but Click's Merchant API, asked before the order
   * was placed, says the money was not taken (a negative `payment_status`, or
   * no such payment): for example a captured declined Complete replayed with
   * `error=0` (Click does not sign `error`). Never an order; Click's answer is
   * kept (`verified_payment_status`, `verification_answer`), and a person looks.
   */
  Contradicted: "contradicted",
  /**
   * The same Click payment (`click_paydoc_id`) as another attempt of ours that
   * Click debited (Click repeated Prepare under a new `click_trans_id`): its
   * money is that attempt's, whose state says what became of it. Nothing is
   * ever reversed for this row.
   */
  Duplicate: "duplicate",
  /**
   * Debited while another attempt of the same cart is `confirmed` (its order
   * not yet placed): which of the two becomes the order waits on that one.
   * It placed → this one is a double payment (refund_required); it ended
   * without an order → this one may become the order (confirmed).
   */
  Queued: "queued",
  /**
   * Click refused the reversal (or cannot be asked) and a person recorded that
   * the money went back another way; who and when are in the audit row.
   */
  RefundedOutsideClick: "refunded_outside_click",
} as const

export type ClickPaymentStateValue = (typeof ClickPaymentState)[keyof typeof ClickPaymentState]

export const RefundReason = {
  /** Confirmed, but the cart can never become an order (stock, shipping, cart gone, session gone). */
  Unplaceable: "unplaceable",
  /** A second debit for a cart another Click attempt already paid. */
  DoublePayment: "double_payment",
  /** The cart was completed with another payment provider while Click debited it. */
  PaidElsewhere: "paid_elsewhere",
  /** A merchant refunded the order from the admin. */
  RefundedByAdmin: "refunded_by_admin",
} as const

export type RefundReasonValue = (typeof RefundReason)[keyof typeof RefundReason]

const S = ClickPaymentState

export const PAYMENT_TRANSITIONS: Readonly<Record<ClickPaymentStateValue, readonly ClickPaymentStateValue[]>> = {
  [S.Prepared]: [S.Confirmed, S.Cancelled, S.RefundRequired, S.Duplicate, S.Queued],
  // Decided by the confirmed attempt it waits on.
  [S.Queued]: [S.Confirmed, S.RefundRequired, S.Duplicate],
  // Placement asks Click first: paid → placed (or a refund), not paid → contradicted,
  // or cancelled for a saved-card debit only (transitionOnlyVia).
  [S.Confirmed]: [S.Placed, S.RefundRequired, S.Contradicted, S.Cancelled],
  // ReversalFailed: Click refused an admin refund of the order, and a person records the money returned outside Click.
  [S.Placed]: [S.RefundRequired, S.ReversalFailed],
  [S.Cancelled]: [],
  // Duplicate: the paydoc belongs to a confirmed or placed attempt, so it is not reversed.
  [S.RefundRequired]: [S.Reversed, S.ReversalFailed, S.Duplicate],
  // A person asks for another try (Click refused, the cause was fixed): still a refund.
  [S.ReversalFailed]: [S.Reversed, S.RefundRequired, S.RefundedOutsideClick],
  [S.Reversed]: [],
  [S.RefundedOutsideClick]: [],
  // What Click said stands; the money, if any, is Click's to settle with a person.
  [S.Contradicted]: [],
  [S.Duplicate]: [],
}

export function canTransition(from: ClickPaymentStateValue, to: ClickPaymentStateValue): boolean {
  return PAYMENT_TRANSITIONS[from].includes(to)
}

/** States in which Click holds the customer's money for this attempt. */
export const DEBITED_STATES: readonly ClickPaymentStateValue[] = [
  S.Confirmed,
  S.Placed,
  S.RefundRequired,
  S.Reversed,
  S.ReversalFailed,
  // Debited under another attempt's row: a Complete for it hears "already paid".
  S.Duplicate,
  S.Queued,
  S.RefundedOutsideClick,
]

/** States that pay for the cart: at most one attempt per cart is in one of them (a unique index). */
export const PAYING_STATES: readonly ClickPaymentStateValue[] = [S.Confirmed, S.Placed]

/**
 * States whose debit is, or may still become, the cart's order: while an
 * attempt is in one of them a new Prepare for the cart hears "already paid".
 */
export const CART_PAID_STATES: readonly ClickPaymentStateValue[] = [...PAYING_STATES, S.Queued]

/**
 * States during which the storefront may not replace the cart's Click session
 * or change the cart: the money (about to be) taken is for exactly this cart.
 * A `prepared` attempt holds it only for a while (holdsCart).
 */
const CART_HOLDING_STATES: readonly ClickPaymentStateValue[] = [S.Prepared, S.Confirmed, S.Queued]

/**
 * How Click debited an attempt: Click's Prepare and Complete callbacks (its pay
 * page, or an invoice paid in its app) wrote the row, or our `card_token/payment`
 * with a saved card did, before asking Click. From `prepared` on, both take the
 * same transitions.
 */
export const DebitVia = {
  ClickCallbacks: "click_callbacks",
  CardToken: "card_token",
} as const
export type DebitViaValue = (typeof DebitVia)[keyof typeof DebitVia]

/**
 * The way in a move is restricted to, if any: `ClickModuleService.transition`
 * moves only a row with this `debit_via`. `confirmed → cancelled` is a saved
 * card's: no callback confirmed it, only Click's own answer to
 * `card_token/payment`, which may be "processing" (payment_status 1), so a
 * negative payment/status afterwards is Click's word that the card was not
 * debited. A Complete Click's Merchant API denies stays `contradicted`.
 */
export function transitionOnlyVia(from: ClickPaymentStateValue, to: ClickPaymentStateValue): DebitViaValue | null {
  return from === S.Confirmed && to === S.Cancelled ? DebitVia.CardToken : null
}

/**
 * A saved-card debit Click has not answered (`prepared`, card_token) holds its
 * cart until reconciliation settles it, however long that takes, and a Prepare
 * for the cart is refused meanwhile: Click can be
 * asked about it only by the cart id (payment/status_by_mti), which names one
 * payment, the cart's newest; a second debit of the cart meanwhile would hide
 * it, and it would never become an order or a reversal.
 */
export function isUnansweredCardDebit(attempt: { state: string; debit_via?: string | null }): boolean {
  return attempt.state === S.Prepared && attempt.debit_via === DebitVia.CardToken
}

/**
 * Whether an attempt holds its cart (CART_HOLDING_STATES): `confirmed` and
 * `queued` always; `prepared` for `preparedHoldSec` (CLICK_PREPARED_HOLD_SEC)
 * after its Prepare, while Click may still debit it, and a saved-card debit
 * Click has not answered until reconciliation settles it, whatever its age
 * (isUnansweredCardDebit).
 */
export function holdsCart(
  attempt: { state: string; debit_via?: string | null; created_at: Date | string },
  now: Date,
  preparedHoldSec: number
): boolean {
  if (!CART_HOLDING_STATES.includes(attempt.state as ClickPaymentStateValue)) return false
  if (attempt.state !== S.Prepared || isUnansweredCardDebit(attempt)) return true
  return new Date(attempt.created_at).getTime() >= now.getTime() - preparedHoldSec * 1000
}

/**
 * A saved-card debit is sent only while no other attempt of its cart awaits
 * Click's word (`prepared`, whatever its age or way in: Click may still debit
 * a Prepare after the hold) and none has paid it: a later debit of the cart
 * would hide the card's from payment/status_by_mti (isUnansweredCardDebit).
 */
export function barsCardDebit(attempt: { state: string }): boolean {
  return attempt.state === S.Prepared || CART_PAID_STATES.includes(attempt.state as ClickPaymentStateValue)
}

/** States as an SQL list of literals (`'confirmed', 'placed'`), for statements that cannot take them as parameters (an index's WHERE). */
export function sqlList(states: readonly ClickPaymentStateValue[]): string {
  return states.map((state) => `'${state}'`).join(", ")
}

/**
 * The fiscal receipt of a placed payment, a track beside the money's state:
 * it never decides anything about the money.
 */
export const FiscalReceiptStatus = {
  /** To be sent to Click (retried with backoff). */
  Pending: "pending",
  /** Click accepted it; `fiscal_qr_url` links the tax office's check. */
  Submitted: "submitted",
  /** Products lack a product code or package code: nothing was sent (`fiscal_error` names them). */
  NeedsProductCodes: "needs_product_codes",
  /** Click refused it, or it could not be built exactly: a person acts (`fiscal_error`). */
  Failed: "failed",
  /** The payment was reversed after its receipt was sent. */
  Reversed: "reversed",
} as const

export type FiscalReceiptStatusValue = (typeof FiscalReceiptStatus)[keyof typeof FiscalReceiptStatus]
