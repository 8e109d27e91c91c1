import { model } from "@medusajs/framework/utils"

/**
 * A problem of the backend's own configuration that a person must fix, shown
 * in the admin until it is gone: one row per `key` (for example Click's
 * Merchant API refusing our credentials for one service), opened once, counted
 * while it lasts, resolved when the problem stops.
 */
const ClickAlert = model
  .define("click_alert", {
    id: model.id({ prefix: "clickal" }).primaryKey(),
    key: model.text(),
    service_id: model.text().nullable(),
    /** What is wrong and how to fix it. Never a secret. */
    message: model.text(),
    occurrences: model.number().default(1),
    opened_at: model.dateTime(),
    last_seen_at: model.dateTime(),
    resolved_at: model.dateTime().nullable(),
  })
  .indexes([{ on: ["key"], unique: true }])

export default ClickAlert
