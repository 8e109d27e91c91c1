import { model } from "@medusajs/framework/utils"
import { ClickPaymentState } from "../payment-state"

/** Audit trail of state changes: every transition of a Click payment, and why. */
const ClickPaymentEvent = model
  .define("click_payment_event", {
    id: model.id({ prefix: "clickev" }).primaryKey(),
    transaction_id: model.text(),
    from_state: model.enum(Object.values(ClickPaymentState)).nullable(),
    to_state: model.enum(Object.values(ClickPaymentState)),
    reason: model.text(),
    detail: model.text().nullable(),
  })
  .indexes([{ on: ["transaction_id"] }])

export default ClickPaymentEvent
