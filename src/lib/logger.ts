import pino from "pino"

/**
 * Structured logs for the Click callback path. Secrets, signatures, card
 * numbers and SMS codes are redacted by path so that a careless
 * `log.info({ body })` cannot leak them.
 */
export const clickLogRedaction = {
  paths: [
    "secretKey",
    "*.secretKey",
    "sign_string",
    "*.sign_string",
    "*.*.sign_string",
    "token",
    "*.token",
    "*.*.token",
    "card_number",
    "*.card_number",
    "*.*.card_number",
    "cardNumber",
    "*.cardNumber",
    "sms_code",
    "*.sms_code",
    "*.*.sms_code",
    "smsCode",
    "*.smsCode",
  ],
  censor: "[redacted]",
}

export const clickLogger = pino({
  name: "medusa-payment-click",
  level: process.env.LOG_LEVEL || "info",
  redact: clickLogRedaction,
})
