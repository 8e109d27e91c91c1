import { createHash, timingSafeEqual } from "node:crypto"

export interface MerchantAuthCredentials {
  merchantUserId: string
  secretKey: string
}

// `merchant_user_id:digest:timestamp`, the timestamp being 10-digit Unix seconds.
const AUTH_HEADER = /^([^:]+):([0-9a-fA-F]{40}):(\d{10})$/

function digestFor(timestamp: string, secretKey: string): string {
  return createHash("sha1").update(timestamp + secretKey, "utf8").digest("hex")
}

/** Click's Merchant API header: `Auth: {merchant_user_id}:{sha1(timestamp + secret_key)}:{timestamp}`. */
export function buildMerchantAuthHeader(credentials: MerchantAuthCredentials, now: Date): string {
  const timestamp = String(Math.floor(now.getTime() / 1000))
  return `${credentials.merchantUserId}:${digestFor(timestamp, credentials.secretKey)}:${timestamp}`
}

export type MerchantAuthCheck = "ok" | "missing" | "malformed" | "unknown_user" | "bad_digest" | "stale"

export interface MerchantAuthVerification extends MerchantAuthCredentials {
  now: Date
  /** How far the header's timestamp may be from `now`, either way. */
  maxSkewSec: number
}

/**
 * Checks an `Auth` header the way Click does. The result names what is wrong
 * (never the expected digest), so a 401 can say why without leaking the secret.
 */
export function verifyMerchantAuthHeader(
  header: string | undefined,
  verification: MerchantAuthVerification,
): MerchantAuthCheck {
  if (header === undefined || header === "") return "missing"
  const match = AUTH_HEADER.exec(header)
  if (!match) return "malformed"
  const [, userId, digest, timestamp] = match
  if (userId !== verification.merchantUserId) return "unknown_user"
  const expected = Buffer.from(digestFor(timestamp, verification.secretKey), "ascii")
  // Both are 40 hex characters here, as timingSafeEqual requires equal lengths.
  if (!timingSafeEqual(expected, Buffer.from(digest.toLowerCase(), "ascii"))) return "bad_digest"
  const skewSec = Math.abs(verification.now.getTime() / 1000 - Number(timestamp))
  return skewSec > verification.maxSkewSec ? "stale" : "ok"
}
