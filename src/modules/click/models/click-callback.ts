import { model } from "@medusajs/framework/utils"

/** Audit trail: every callback Click (or anyone) sent us, and what we answered. */
const ClickCallback = model
  .define("click_callback", {
    id: model.id({ prefix: "clickcb" }).primaryKey(),
    endpoint: model.enum(["prepare", "complete"]),
    click_trans_id: model.text().nullable(),
    merchant_trans_id: model.text().nullable(),
    fields: model.json(),
    signature_valid: model.boolean().nullable(),
    error: model.number(),
    reason: model.text().nullable(),
    response: model.json(),
    duration_ms: model.number(),
    remote_address: model.text().nullable(),
  })
  .indexes([{ on: ["click_trans_id"] }, { on: ["merchant_trans_id"] }])

export default ClickCallback
