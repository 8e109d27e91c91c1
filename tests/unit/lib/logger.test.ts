import pino from "pino"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { clickLogRedaction } from "../../../src/lib/logger"

/** A logger with the plugin's redaction that writes into a string. */
function capture() {
  let written = ""
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString()
      done()
    },
  })
  return { log: pino({ redact: clickLogRedaction }, sink), text: () => written }
}

describe("the Click logger's redaction", () => {
  it("removes card numbers and SMS codes a careless log call passes, at the top level and nested", () => {
    const { log, text } = capture()
    log.info({ card_number: "8600123412341234", sms_code: "123456" }, "top")
    log.info({ body: { card_number: "8600123412341234", sms_code: "123456" } }, "nested")
    log.info({ req: { body: { card_number: "8600123412341234", sms_code: "123456" } } }, "deeper")
    log.info({ input: { cardNumber: "8600123412341234", smsCode: "123456" } }, "camel")
    expect(text()).not.toContain("8600123412341234")
    expect(text()).not.toContain("123456")
    expect(text().match(/\[redacted\]/g)).toHaveLength(8)
  })

  it("keeps Click's masked number under its own name", () => {
    const { log, text } = capture()
    log.info({ masked_card_number: "860012******1234" }, "saved")
    expect(text()).toContain("860012******1234")
  })
})
