import { createHmac, timingSafeEqual } from "node:crypto"

/**
 * A confirmation stamp proves, inside the payment session data, that a verified
 * Click Complete (error=0) paid this cart for this amount. Session data is
 * partly written by the browser, so only a MAC keyed with the merchant's
 * secret is trusted when Medusa asks the provider to authorize the payment.
 */
export interface ConfirmationSubject {
  cartId: string
  /** Whole tiyin, or their decimal string. */
  amountTiyin: bigint | string
  /**
   * Our id of the confirmed attempt (Click's `click_trans_id` may differ between Prepare and
   * Complete): the number, however the Complete wrote it ("017" names attempt 17).
   */
  merchantPrepareId: string | number
}

/** The one written form of an attempt's number that stamps are made over. */
const canonicalPrepareId = (id: string | number) => String(id).replace(/^0+(?=\d)/, "")

/**
 * The text a stamp covers. Its one builder, whichever record the subject
 * comes from (Click's verified Complete, our row, the session data), so that
 * the stamp written and the stamp checked cover the same bytes.
 */
function stampedText(subject: ConfirmationSubject): string {
  return ["click-confirmed", subject.cartId, String(subject.amountTiyin), canonicalPrepareId(subject.merchantPrepareId)].join("\n")
}

export function signConfirmation(subject: ConfirmationSubject, secretKey: string): string {
  return createHmac("sha256", secretKey).update(stampedText(subject)).digest("hex")
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
