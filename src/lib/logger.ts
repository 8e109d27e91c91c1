import pino, { type LoggerOptions } from "pino"
import { passesLuhn } from "../click"

/**
 * Field names whose values never reach a log line, at any depth: secrets,
 * signatures, tokens, card numbers, card expiries and SMS codes, in snake_case
 * and camelCase. `masked_card_number` is another name and is kept.
 */
const secretFieldNames = new Set([
  "secretKey",
  "secret_key",
  "previousSecretKey",
  "previous_secret_key",
  "sign_string",
  "signString",
  "token",
  "card_token",
  "cardToken",
  "card_number",
  "cardNumber",
  "expire_date",
  "expireDate",
  "sms_code",
  "smsCode",
])

const CENSOR = "[redacted]"

/**
 * Objects and arrays nested deeper than this are replaced, not walked: the walk
 * stays bounded (a cycle included), and nothing it did not read is written.
 */
export const MAX_LOGGED_DEPTH = 8
const TOO_DEEP = "[redacted: nested too deep]"

/**
 * Whether a log line writes `value` as its own enumerable fields, as
 * JSON.stringify does: plain objects, and class instances too (an error as
 * pino's serializer leaves it or under any other name, a request). Not a value
 * with a JSON form of its own (`toJSON`: dates, buffers) nor one JSON writes
 * without its contents (maps, sets, binary data).
 */
const isWrittenAsFields = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { toJSON?: unknown }).toJSON !== "function" &&
  !(value instanceof Map) &&
  !(value instanceof Set) &&
  !(value instanceof ArrayBuffer) &&
  !ArrayBuffer.isView(value)

/**
 * A card number Click takes (16 digits), as it may sit in free text: whole, or
 * grouped by single spaces, dashes or dots, with no digit right before or after.
 */
const CARD_NUMBER_IN_TEXT = /(?<!\d)\d(?:[ .-]?\d){15}(?!\d)/g
const CARD_NUMBER_CENSOR = "[redacted: card number]"

/**
 * `text` with every Luhn-valid 16-digit number censored: a card number that
 * reached a message or a string field (an error's text echoing its input)
 * never reaches the log line. Other numbers, ids and timestamps, are kept.
 * Text without one is returned as it is.
 */
export function redactCardNumbers(text: string): string {
  return text.replace(CARD_NUMBER_IN_TEXT, (match) => (passesLuhn(match.replace(/\D/g, "")) ? CARD_NUMBER_CENSOR : match))
}

/**
 * `value` with every secret field censored, in objects and arrays at any
 * depth. A value with nothing to censor is returned as it is (no copy), so a
 * log call pays one walk of what it logs; a censored object is written as the
 * plain copy of its own fields, which is what its log line holds anyway.
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return redactCardNumbers(value)
  const isArray = Array.isArray(value)
  if (!isArray && !isWrittenAsFields(value)) return value
  if (depth >= MAX_LOGGED_DEPTH) return TOO_DEEP
  if (isArray) {
    let copy: unknown[] | undefined
    value.forEach((item, index) => {
      const redacted = redactSecretFields(item, depth + 1)
      if (redacted !== item) (copy ??= [...value])[index] = redacted
    })
    return copy ?? value
  }
  const object = value as Record<string, unknown>
  let copy: Record<string, unknown> | undefined
  for (const name of Object.keys(object)) {
    const field = object[name]
    const redacted = secretFieldNames.has(name) ? CENSOR : redactSecretFields(field, depth + 1)
    if (redacted !== field) (copy ??= { ...object })[name] = redacted
  }
  return copy ?? object
}

/**
 * The redaction of every Click log line, in the object of each log call and
 * the bindings of each child logger, so that a careless `log.info({ body })`
 * or `log.child({ req })` cannot leak a secret, however deep it sits. pino's
 * paths reach a fixed depth only: a secret name at the top is censored by its
 * path, and every other top-level value ("*") is walked. The message is one
 * of them (pino redacts it as the line's `msg` field, its format arguments
 * filled in): every string is searched for card numbers (redactCardNumbers).
 */
export const clickLogOptions = {
  redact: {
    paths: [...secretFieldNames, "*"],
    censor: (value: unknown, path: ReadonlyArray<string | symbol>) => {
      const name = path[path.length - 1]
      return typeof name === "string" && secretFieldNames.has(name) ? CENSOR : redactSecretFields(value, 1)
    },
  },
} satisfies LoggerOptions

export const clickLogger = pino({
  name: "medusa-payment-click",
  level: process.env.LOG_LEVEL || "info",
  ...clickLogOptions,
})
