import fc from "fast-check"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { formatSignTime } from "../src/click"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickPrepare, completeFields, newClickTransId, postCallback, prepareFields } from "./harness/click"
import { createPayableCart, type PayableCart } from "./harness/storefront"

/**
 * Required fields of each callback. Prepare's `error` decides nothing and may
 * be left out; Complete's says whether the card was debited.
 */
const PREPARE_REQUIRED = ["click_trans_id", "service_id", "merchant_trans_id", "amount", "action", "sign_time", "sign_string"]
const REQUIRED_FIELDS = { prepare: PREPARE_REQUIRED, complete: [...PREPARE_REQUIRED, "error", "merchant_prepare_id"] }
/**
 * The fields Click's signature covers. `error` is not among them (Click's
 * formula leaves it out): a changed `error` with a valid signature is a
 * genuine-looking cancel, so it is not fuzzed here (see docs/SECURITY.md).
 */
const PREPARE_SIGNED = ["click_trans_id", "service_id", "merchant_trans_id", "amount", "action", "sign_time", "sign_string"]
const SIGNED_FIELDS = { prepare: PREPARE_SIGNED, complete: [...PREPARE_SIGNED, "merchant_prepare_id"] }

/**
 * About a thousand generated hostile callbacks against the real backend over
 * HTTP (fast-check): fields missing or replaced by arbitrary text, wrong keys,
 * random signatures, stale and future sign_times, oversized and garbage
 * bodies, replays. Each must get Click's JSON with the right code, never a
 * 5xx or a stack trace, and none may change a payment.
 */
describe("hostile callbacks at scale (property-based)", () => {
  let backend: Backend
  let cart: PayableCart
  let preparedId: number
  let clickTransId: string
  let baseline: { transactions: string; events: number }
  beforeAll(async () => {
    backend = await sharedBackend("default")
    cart = await createPayableCart(backend)
    clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
    expect(prepared.body.error).toBe(0)
    preparedId = prepared.body.merchant_prepare_id
    baseline = await snapshot()
  })
  afterAll(async () => {
    await backend?.stop()
  })
  afterEach(async () => {
    expect(await snapshot(), "a hostile callback changed a payment").toEqual(baseline)
  })

  /** The state of every payment of this file's cart or Click id, and how many state changes they ever had. */
  async function snapshot() {
    const { rows } = await backend.db.query(
      `WITH mine AS (SELECT id, state FROM click_transaction WHERE merchant_trans_id = $1 OR click_trans_id = $2)
       SELECT (SELECT string_agg(id || ':' || state, ',' ORDER BY id) FROM mine) AS transactions,
              (SELECT count(*)::int FROM click_payment_event WHERE transaction_id IN (SELECT id FROM mine)) AS events`,
      [cart.cartId, clickTransId]
    )
    return rows[0] as { transactions: string; events: number }
  }

  async function send(endpoint: "prepare" | "complete", body: Record<string, string> | string, options: { json?: boolean; contentType?: string } = {}) {
    const response = await postCallback(backend, endpoint, body, options)
    expect(response.status, response.text).toBe(200)
    expect(response.headers["content-type"]).toMatch(/json/)
    expect(typeof response.body?.error, response.text).toBe("number")
    expect(typeof response.body.error_note).toBe("string")
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+|<html|stack/i)
    return response.body.error as number
  }

  const prepare = () => prepareFields({ cartId: cart.cartId, amount: cart.amount, clickTransId })
  const complete = (extra: Record<string, string> = {}) =>
    completeFields({ cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: preparedId, error: "-5017", ...extra })
  const endpoint = fc.constantFrom<"prepare" | "complete">("prepare", "complete")
  const fieldsFor = (which: "prepare" | "complete") => (which === "prepare" ? prepare() : complete())
  const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "grapheme", maxLength: 80 }), fc.stringMatching(/^[0-9.eE+-]{0,25}$/))
  const runs = { numRuns: 200 }

  it("a field missing: -8", async () => {
    await fc.assert(
      fc.asyncProperty(endpoint.chain((which) => fc.tuple(fc.constant(which), fc.constantFrom(...REQUIRED_FIELDS[which]))), async ([which, field]) => {
        const { [field]: _removed, ...rest } = fieldsFor(which)
        expect(await send(which, rest)).toBe(-8)
      }),
      runs
    )
  })

  it("a signed field replaced by arbitrary text: -8 (malformed) or -1 (it no longer matches its signature)", async () => {
    await fc.assert(
      fc.asyncProperty(endpoint.chain((which) => fc.tuple(fc.constant(which), fc.constantFrom(...SIGNED_FIELDS[which]))), text, fc.boolean(), async ([which, field], value, json) => {
        const fields = fieldsFor(which)
        fc.pre(fields[field] !== value)
        expect([-8, -1]).toContain(await send(which, { ...fields, [field]: value }, { json }))
      }),
      runs
    )
  })

  it("signed with a wrong key, or carrying a random signature: -1", async () => {
    await fc.assert(
      fc.asyncProperty(endpoint, fc.oneof(fc.string({ minLength: 1, maxLength: 64 }).map((secretKey) => ({ secretKey })), fc.stringMatching(/^[0-9a-f]{32}$/).map((sign) => ({ sign }))), async (which, forgery) => {
        const args = { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: preparedId, error: "-5017" }
        const fields =
          "secretKey" in forgery
            ? which === "prepare"
              ? prepareFields({ ...args, secretKey: forgery.secretKey })
              : completeFields({ ...args, secretKey: forgery.secretKey })
            : { ...fieldsFor(which), sign_string: forgery.sign }
        fc.pre(fields.sign_string !== fieldsFor(which).sign_string)
        expect(await send(which, fields)).toBe(-1)
      }),
      runs
    )
  })

  /**
   * Outside the window (300 s old, 60 s ahead) by more than the sign_time's
   * dropped milliseconds plus the request's trip: a signature made 61 s ahead
   * can arrive 59.x s ahead on a slow machine and rightly be accepted.
   */
  const FUTURE_MARGIN_SEC = 15
  it("correctly signed but stale or from the future: -8", async () => {
    await fc.assert(
      fc.asyncProperty(endpoint, fc.oneof(fc.integer({ min: 301, max: 400 * 86_400 }), fc.integer({ min: -400 * 86_400, max: -(60 + FUTURE_MARGIN_SEC) })), async (which, ageSec) => {
        const signTime = formatSignTime(new Date(Date.now() - ageSec * 1000))
        const args = { cartId: cart.cartId, amount: cart.amount, clickTransId, merchantPrepareId: preparedId, error: "-5017", signTime }
        const fields = which === "prepare" ? prepareFields(args) : completeFields(args)
        expect(await send(which, fields)).toBe(-8)
      }),
      runs
    )
  })

  it("garbage, oversized and wrongly typed bodies: -8", async () => {
    await fc.assert(
      fc.asyncProperty(
        endpoint,
        fc.oneof(
          fc.string({ maxLength: 2000 }),
          fc.json(),
          fc.string({ minLength: 8200, maxLength: 9000 }),
          fc.uint8Array({ maxLength: 500 }).map((bytes) => Buffer.from(bytes).toString("latin1"))
        ),
        fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain", "multipart/form-data; boundary=x"),
        async (which, body, contentType) => {
          expect(await send(which, body, { contentType })).toBe(-8)
        }
      ),
      { numRuns: 250 }
    )
  })

  it("replays of the genuine Prepare change nothing, and the server stays healthy", async () => {
    for (let i = 0; i < 50; i++) {
      expect(await send("prepare", prepare())).toBe(0)
    }
    expect(await snapshot()).toEqual(baseline)
    expect((await fetch(`${backend.url}/health`)).status).toBe(200)
    const { rows } = await backend.db.query("SELECT state FROM click_transaction WHERE click_trans_id = $1", [clickTransId])
    expect(rows).toEqual([{ state: "prepared" }])
  })
})
