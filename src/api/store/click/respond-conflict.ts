import type { MedusaResponse } from "@medusajs/framework/http"

/**
 * A 409 that keeps its explanation: Medusa's error handler replaces the
 * message of every CONFLICT error with a generic idempotency-key hint.
 */
export function respondConflict(res: MedusaResponse, message: string) {
  res.status(409).json({ type: "conflict", code: "click_payment_in_progress", message })
}
