import type { MedusaResponse } from "@medusajs/framework/http"
import type { ZodError } from "zod"
import { ClickStoreRefusal } from "../../../payments/views/store-refusal"

const REFUSAL_TYPES: Record<ClickStoreRefusal["httpStatus"], string> = {
  404: "not_found",
  409: "conflict",
  422: "not_allowed",
  429: "too_many_requests",
  503: "unavailable",
}

/** Answers a refused store request about paying with Click; anything else is thrown on to Medusa's error handler. */
export function answerStoreRefusal(res: MedusaResponse, error: unknown): void {
  if (!(error instanceof ClickStoreRefusal)) throw error
  if (error.details.retryAfterSec) res.setHeader("Retry-After", String(error.details.retryAfterSec))
  res.status(error.httpStatus).json({
    type: REFUSAL_TYPES[error.httpStatus],
    code: error.code,
    message: error.message,
    ...(error.details.clickErrorCode != null ? { click_error_code: error.details.clickErrorCode } : {}),
  })
}

/**
 * A body that failed its schema, in words that name fields only: the values
 * (a card number, an SMS code, a phone) are never echoed back.
 */
export function answerInvalidBody(res: MedusaResponse, error: ZodError, answer: { code: string; allowed: string }): void {
  const issue = error.issues[0]
  res.status(400).json({
    type: "invalid_data",
    code: answer.code,
    message:
      issue.code === "unrecognized_keys"
        ? `Only ${answer.allowed} may be sent (${issue.keys.join(", ")} refused).`
        : `${issue.path.join(".") || "body"}: ${issue.message}`,
  })
}
