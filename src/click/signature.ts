import { createHash, timingSafeEqual } from "node:crypto"

export interface PrepareSignFields {
  click_trans_id: string
  service_id: string
  merchant_trans_id: string
  amount: string
  action: string
  sign_time: string
}

export interface CompleteSignFields extends PrepareSignFields {
  merchant_prepare_id: string
}

const MD5_HEX = /^[0-9a-f]{32}$/

function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex")
}

// Every field is hashed exactly as received: re-formatting (e.g. "38400" as
// "38400.00") changes the hash and rejects genuine callbacks.
export function signPrepare(fields: PrepareSignFields, secretKey: string): string {
  return md5Hex(
    fields.click_trans_id +
      fields.service_id +
      secretKey +
      fields.merchant_trans_id +
      fields.amount +
      fields.action +
      fields.sign_time,
  )
}

export function signComplete(fields: CompleteSignFields, secretKey: string): string {
  return md5Hex(
    fields.click_trans_id +
      fields.service_id +
      secretKey +
      fields.merchant_trans_id +
      fields.merchant_prepare_id +
      fields.amount +
      fields.action +
      fields.sign_time,
  )
}

function matchesInConstantTime(expected: string, received: string): boolean {
  const normalized = received.toLowerCase()
  if (!MD5_HEX.test(normalized)) return false
  return timingSafeEqual(Buffer.from(expected, "ascii"), Buffer.from(normalized, "ascii"))
}

export function verifyPrepareSignature(
  fields: PrepareSignFields & { sign_string: string },
  secretKey: string,
): boolean {
  return matchesInConstantTime(signPrepare(fields, secretKey), fields.sign_string)
}

export function verifyCompleteSignature(
  fields: CompleteSignFields & { sign_string: string },
  secretKey: string,
): boolean {
  return matchesInConstantTime(signComplete(fields, secretKey), fields.sign_string)
}
