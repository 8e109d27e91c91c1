import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * A confirmation stamp proves, inside the payment session data, that a verified
 * Click Complete (error=0) paid this cart for this amount. Session data is
 * partly written by the browser, so only a MAC keyed with the merchant's
 * secret is trusted when Medusa asks the provider to authorize the payment.
 */
export interface ConfirmationSubject {
  cartId: string
  amountTiyin: string
  /** Our id of the confirmed attempt: Click's `click_trans_id` may differ between Prepare and Complete. */
  merchantPrepareId: string
}

export function signConfirmation(subject: ConfirmationSubject, secretKey: string): string {
  return createHmac("sha256", secretKey)
    .update(["click-confirmed", subject.cartId, subject.amountTiyin, subject.merchantPrepareId].join("\n"))
    .digest("hex")
}

export function isValidConfirmation(
  subject: ConfirmationSubject,
  token: unknown,
  secretKey: string
): boolean {
  if (typeof token !== "string") {
    return false
  }
  const expected = Buffer.from(signConfirmation(subject, secretKey), "utf8")
  const received = Buffer.from(token, "utf8")
  return expected.length === received.length && timingSafeEqual(expected, received)
}
