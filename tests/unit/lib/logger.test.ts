import pino from "pino"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { clickLogOptions, MAX_LOGGED_DEPTH, redactCardNumbers, redactSecretFields } from "../../../src/lib/logger"

/** A logger with the plugin's redaction that writes into a string. */
function capture() {
  let written = ""
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written += chunk.toString()
      done()
    },
  })
  return { log: pino(clickLogOptions, sink), text: () => written }
}

const card = { card_number: "8600123412341234", expire_date: "1229", sms_code: "123456", token: "tok-secret" }

/** `leaf` wrapped in `levels` objects, each under its own key. */
const nested = (levels: number, leaf: object): object => (levels === 0 ? leaf : { [`level${levels}`]: nested(levels - 1, leaf) })

describe("the Click logger's redaction", () => {
  it("removes card numbers, expiries, SMS codes and tokens a careless log call passes, at the top level and nested", () => {
    const { log, text } = capture()
    log.info(card, "top")
    log.info({ body: card }, "nested")
    log.info({ req: { body: card } }, "deeper")
    log.info({ input: { cardNumber: "8600123412341234", expireDate: "1229", smsCode: "123456" } }, "camel")
    expect(text()).not.toContain("8600123412341234")
    expect(text()).not.toContain("123456")
    expect(text()).not.toContain("1229")
    expect(text()).not.toContain("tok-secret")
    expect(text().match(/\[redacted\]/g)).toHaveLength(15)
  })

  it("holds at any depth the walk reaches, in arrays too, in snake_case and camelCase", () => {
    const { log, text } = capture()
    log.info(nested(MAX_LOGGED_DEPTH - 1, card), "as deep as it walks")
    log.info({ requests: [{ attempts: [{ body: { cardNumber: "8600123412341234", sms_code: "123456" } }] }] }, "in arrays")
    log.info({ a: { b: { c: { d: { e: { secretKey: "merchant-secret", sign_string: "abcdef0123" } } } } } }, "secrets")
    expect(text()).not.toMatch(/8600123412341234|123456|1229|tok-secret|merchant-secret|abcdef0123/)
    expect(text().match(/\[redacted\]/g)).toHaveLength(8)
    // The walk really reached the deepest level: its other fields are still written.
    const deepest = JSON.parse(text().split("\n")[0])
    let level: Record<string, any> = deepest
    for (let depth = MAX_LOGGED_DEPTH - 1; depth > 0; depth--) level = level[`level${depth}`]
    expect(level).toEqual({ card_number: "[redacted]", expire_date: "[redacted]", sms_code: "[redacted]", token: "[redacted]" })
  })

  it("cuts off what is nested deeper than it walks, and a cycle, instead of writing it unread", () => {
    const { log, text } = capture()
    log.info(nested(MAX_LOGGED_DEPTH + 3, card), "too deep")
    const cyclic: Record<string, unknown> = { card_number: "8600123412341234" }
    cyclic.self = cyclic
    log.info({ cyclic }, "cycle")
    expect(text()).not.toContain("8600123412341234")
    expect(text()).toContain("[redacted: nested too deep]")
  })

  it("redacts a child logger's bindings, nested too, and what it logs", () => {
    const { log, text } = capture()
    const child = log.child({ smsCode: "123456", req: { body: { card_number: "8600123412341234" } } })
    child.child({ attempt: { token: "tok-secret" } }).info({ input: { expireDate: "1229" } }, "grandchild")
    expect(text()).not.toMatch(/8600123412341234|123456|1229|tok-secret/)
    expect(JSON.parse(text())).toMatchObject({
      smsCode: "[redacted]",
      req: { body: { card_number: "[redacted]" } },
      attempt: { token: "[redacted]" },
      input: { expireDate: "[redacted]" },
    })
  })

  it("redacts inside errors and other class instances: an error pino serializes, one under another name, its cause, a request", () => {
    const { log, text } = capture()
    const failed = Object.assign(new Error("card_token/request refused"), {
      body: { card_number: "8600123412341234" },
      cause: Object.assign(new Error("upstream"), { request: { sms_code: "123456" } }),
    })
    log.error({ err: failed }, "serialized by pino")
    log.error({ failure: failed }, "under another name")
    class IncomingRequest {
      headers = { host: "shop.example" }
      body = { cardNumber: "8600123412341234", expireDate: "1229" }
    }
    log.warn({ req: new IncomingRequest() }, "a request")
    expect(text()).not.toMatch(/8600123412341234|123456|1229/)
    const [serialized, named, request] = text().trim().split("\n").map((line) => JSON.parse(line))
    // What is not secret is still written: the error's message and type, the request's headers.
    expect(serialized.err).toMatchObject({ type: "Error", message: expect.stringContaining("card_token/request refused"), body: { card_number: "[redacted]" } })
    expect(named.failure).toMatchObject({ body: { card_number: "[redacted]" }, cause: { request: { sms_code: "[redacted]" } } })
    expect(request.req).toEqual({ headers: { host: "shop.example" }, body: { cardNumber: "[redacted]", expireDate: "[redacted]" } })
  })

  it("redacts the previous secret key and card tokens, and leaves dates as dates", () => {
    const { log, text } = capture()
    const at = new Date("2026-12-07T10:00:00.000Z")
    log.info({ options: { previousSecretKey: "old-merchant-secret", at }, card: { card_token: "ct-1", cardToken: "ct-2" } }, "options")
    expect(text()).not.toMatch(/old-merchant-secret|ct-1|ct-2/)
    expect(JSON.parse(text()).options.at).toBe("2026-12-07T10:00:00.000Z")
  })

  it("keeps Click's masked number under its own name, and leaves an object with nothing to censor as it is", () => {
    const { log, text } = capture()
    log.info({ masked_card_number: "860012******1234" }, "saved")
    expect(text()).toContain("860012******1234")
    const clean = { card: { masked_card_number: "860012******1234", ids: [1, 2] } }
    expect(redactSecretFields(clean)).toBe(clean)
    // The caller's object is never changed: the censored copy is what is written.
    const body = { card_number: "8600123412341234" }
    expect(redactSecretFields({ body })).toEqual({ body: { card_number: "[redacted]" } })
    expect(body.card_number).toBe("8600123412341234")
  })

  it("finds a card number in free text: the message, its format arguments, an error's text, any string field, grouped or whole", () => {
    const { log, text } = capture()
    // Luhn-valid 16-digit numbers, as a Humo and an Uzcard card have.
    const humo = "9860012345678903"
    const uzcard = "8600495400001235"
    log.info(`paying with ${humo}`)
    log.info("card %s refused", "8600 4954 0000 1235")
    log.error({ err: new Error(`Click refused card 9860-0123-4567-8903`) }, "card_token/request failed")
    log.warn({ note: `retry ${uzcard}.`, nested: { lines: [`card 9860.0123.4567.8903`] } }, "echoed")
    log.child({ context: `for ${uzcard}` }).info("bound")
    expect(text()).not.toMatch(/9860[ .-]?0123[ .-]?4567[ .-]?8903|8600[ .-]?4954[ .-]?0000[ .-]?1235/)
    expect(text().match(/\[redacted: card number\]/g)).toHaveLength(7)
  })

  it("keeps the numbers that are not card numbers: ids, timestamps, amounts, a 16-digit number failing Luhn", () => {
    const kept = ["click_trans_id 2291844271", "at 1796654597043", "amount 1500000.00", "id 9860012345678904", "17 digits 98600123456789031"]
    for (const line of kept) expect(redactCardNumbers(line)).toBe(line)
    const { log, text } = capture()
    log.info({ merchant_prepare_id: "2147483647", paydoc: "9860012345678904" }, "ids %s", "2291844271")
    expect(text()).toContain("9860012345678904")
    expect(text()).toContain("2291844271")
    expect(text()).not.toContain("[redacted")
  })
})
