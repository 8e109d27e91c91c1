import type { PaymentSessionStatus } from "@medusajs/framework/types"

/**
 * The provider's whole status mapping. Click debits the card before its
 * Complete, so a payment is either still pending or already captured; it
 * becomes captured only through a verified confirmation stamp.
 */
export function sessionStatus(isConfirmed: boolean): PaymentSessionStatus {
  return isConfirmed ? "captured" : "pending"
}
