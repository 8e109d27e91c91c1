import pino from "pino"

/**
 * Structured logs for the Click callback path. Secrets and signatures are
 * redacted by path so that a careless `log.info({ body })` cannot leak them.
 */
export const clickLogger = pino({
  name: "medusa-payment-click",
  level: process.env.LOG_LEVEL || "info",
  redact: {
    paths: [
      "secretKey",
      "*.secretKey",
      "sign_string",
      "*.sign_string",
      "*.*.sign_string",
      "token",
      "*.token",
      "*.*.token",
    ],
    censor: "[redacted]",
  },
})
