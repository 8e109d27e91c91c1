import { model } from "@medusajs/framework/utils"
import { ClickPaymentState, DebitVia, FiscalReceiptStatus, PAYING_STATES, RefundReason, sqlList } from "../payment-state"

/**
 * One Click payment attempt (one `click_trans_id`) for one cart.
 * `merchant_prepare_id` is the integer Click requires; it doubles as the
 * `merchant_confirm_id` once the attempt is confirmed. `state` moves only
 * through ClickModuleService.transition (see payment-state.ts).
 */
const ClickTransaction = model
  .define("click_transaction", {
    id: model.id({ prefix: "clicktx" }).primaryKey(),
    merchant_prepare_id: model.autoincrement(),
    click_trans_id: model.text(),
    /** Click's payment number: the Merchant API's `payment_id`. */
    click_paydoc_id: model.text().nullable(),
    service_id: model.text().nullable(),
    merchant_trans_id: model.text(),
    payment_session_id: model.text(),
    amount: model.text(),
    amount_tiyin: model.bigNumber(),
    state: model.enum(Object.values(ClickPaymentState)).default(ClickPaymentState.Prepared),
    refund_reason: model.enum(Object.values(RefundReason)).nullable(),
    /**
     * Click's `sign_time` of the Prepare; for a saved-card debit, when we
     * asked Click (as Click formats it).
     */
    sign_time: model.text(),
    /**
     * Click's callbacks wrote the row, or our saved-card debit did (then
     * `click_trans_id` is ours, `card_token:<uuid>`: no callback names it).
     */
    debit_via: model.enum(Object.values(DebitVia)).default(DebitVia.ClickCallbacks),
    complete_click_trans_id: model.text().nullable(),
    click_error: model.text().nullable(),
    order_id: model.text().nullable(),
    /**
     * The HMAC stamp (providers/click/confirmation.ts) of the verified Complete,
     * or of Click's Merchant API reporting the payment, that confirmed it: the
     * placement copies it into the Medusa session, which Medusa then authorizes.
     * A payment made `confirmed` any other way has none and gets no order.
     */
    confirmation_token: model.text().nullable(),
    /** Diagnostics for people; never read to decide anything. */
    last_error: model.text().nullable(),
    /**
     * Work the current state needs (placing the order, reversing, asking Click):
     * attempts so far in this state, and when the next is due. While one runs,
     * `leased_until` says until when it holds the payment (renewed as it goes),
     * so a person's "retry now" never starts a second one beside it. Every
     * transition resets all three.
     */
    attempts: model.number().default(0),
    next_attempt_at: model.dateTime().nullable(),
    leased_until: model.dateTime().nullable(),
    /**
     * What Click's Merchant API said when placement asked it about the debit
     * (payment/status by `click_paydoc_id`): its `payment_status` (null when
     * Click knows no such payment), its answer as received, and when Click
     * reported the payment paid. `verification_waits` counts the placement
     * attempts that found nothing certain (Click unreachable, the payment in
     * progress): those are never failures of the placement.
     */
    verified_payment_status: model.number().nullable(),
    verification_answer: model.text().nullable(),
    verified_at: model.dateTime().nullable(),
    verification_waits: model.number().default(0),
    /**
     * Reconciliation of a `prepared` payment (payments/money-back/reconcile-payment.ts):
     * Click's consecutive "no" answers (a negative payment_status, or not
     * found) and when the first came — a count of its own, apart from
     * `attempts`, which counts every claim — and since when Click reports it
     * in progress. `reconcile_stalled_at`: in progress past the horizon, no
     * longer asked, shown as needing attention.
     */
    reconcile_no_count: model.number().default(0),
    reconcile_no_since: model.dateTime().nullable(),
    reconcile_in_progress_since: model.dateTime().nullable(),
    reconcile_stalled_at: model.dateTime().nullable(),
    confirmed_at: model.dateTime().nullable(),
    cancelled_at: model.dateTime().nullable(),
    placed_at: model.dateTime().nullable(),
    /** The fiscal receipt (see FiscalReceiptStatus), its own attempts and due time. */
    fiscal_status: model.enum(Object.values(FiscalReceiptStatus)).nullable(),
    fiscal_qr_url: model.text().nullable(),
    fiscal_error: model.text().nullable(),
    fiscal_attempts: model.number().default(0),
    fiscal_next_attempt_at: model.dateTime().nullable(),
  })
  .indexes([
    { on: ["click_trans_id"], unique: true },
    { on: ["merchant_prepare_id"], unique: true },
    { on: ["merchant_trans_id"] },
    { on: ["state", "next_attempt_at"] },
    { on: ["fiscal_status", "fiscal_next_attempt_at"] },
    // The database itself refuses a second paying attempt for one cart.
    {
      name: "IDX_click_transaction_one_paying_per_cart",
      on: ["merchant_trans_id"],
      unique: true,
      where: `state IN (${sqlList(PAYING_STATES)}) AND deleted_at IS NULL`,
    },
    // Rows of one Click payment (Click repeating Prepare under a new click_trans_id) find each other.
    {
      name: "IDX_click_transaction_click_paydoc_id",
      on: ["click_paydoc_id"],
      where: "deleted_at IS NULL AND click_paydoc_id IS NOT NULL",
    },
  ])

export default ClickTransaction
