import type { PaymentSessionStatus } from "@medusajs/framework/types"
import type { ClickSessionData } from "./session-data"

/** A session only becomes authorized through `authorizePayment`, which checks the stamp. */
export function sessionStatus(_data: ClickSessionData): PaymentSessionStatus {
  return "pending"
}
