import { model } from "@medusajs/framework/utils"

export const ClickTransactionState = {
  Prepared: "prepared",
  Confirmed: "confirmed",
  Cancelled: "cancelled",
} as const

export type ClickTransactionStateValue =
  (typeof ClickTransactionState)[keyof typeof ClickTransactionState]

/**
 * One Click payment attempt (one `click_trans_id`) for one cart.
 * `merchant_prepare_id` is the integer Click requires; it doubles as the
 * `merchant_confirm_id` once the attempt is confirmed.
 */
const ClickTransaction = model
  .define("click_transaction", {
    id: model.id({ prefix: "clicktx" }).primaryKey(),
    merchant_prepare_id: model.autoincrement(),
    click_trans_id: model.text(),
    click_paydoc_id: model.text().nullable(),
    merchant_trans_id: model.text(),
    payment_session_id: model.text(),
    amount: model.text(),
    amount_tiyin: model.bigNumber(),
    state: model.enum(Object.values(ClickTransactionState)).default("prepared"),
    sign_time: model.text(),
    complete_click_trans_id: model.text().nullable(),
    click_error: model.text().nullable(),
    order_id: model.text().nullable(),
    last_error: model.text().nullable(),
    confirmed_at: model.dateTime().nullable(),
    cancelled_at: model.dateTime().nullable(),
  })
  .indexes([
    { on: ["click_trans_id"], unique: true },
    { on: ["merchant_prepare_id"], unique: true },
    { on: ["merchant_trans_id"] },
    // The database itself refuses a second confirmed payment for one cart.
    {
      name: "IDX_click_transaction_one_confirmed_per_cart",
      on: ["merchant_trans_id"],
      unique: true,
      where: "state = 'confirmed' AND deleted_at IS NULL",
    },
  ])

export default ClickTransaction
