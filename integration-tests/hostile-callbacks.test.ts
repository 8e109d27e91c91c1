import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { enableSystemProvider } from "../scripts/lib/admin.mjs"
import { formatSignTime } from "../src/click"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickPrepare, completeFields, newClickTransId, postCallback, prepareFields } from "./harness/click"
import { createPayableCart, type PayableCart } from "./harness/storefront"
import { clickMerchant } from "./harness/test-env"

describe("malformed and hostile callbacks", () => {
  let backend: Backend
  let cart: PayableCart
  beforeAll(async () => {
    // The shared default backend stores every rejected callback: this file asserts on the audit row of each (the cap: request-guard.test.ts).
    backend = await sharedBackend("default")
    cart = await createPayableCart(backend)
  })
  afterAll(async () => {
    await backend?.stop()
  })

  /** The payments a callback could have touched: of this file's cart, or carrying the callback's ids. */
  const transactionCount = async (body: Record<string, string> | string = {}) => {
    const ids = callbackIds(body)
    const { rows } = await backend.db.query(
      "SELECT count(*)::int AS n FROM click_transaction WHERE merchant_trans_id = ANY($1) OR click_trans_id = $2",
      [[cart.cartId, text(ids.merchant_trans_id)], text(ids.click_trans_id)]
    )
    return rows[0].n as number
  }

  async function expectRefused(
    endpoint: "prepare" | "complete",
    body: Record<string, string> | string,
    error: number,
    options: { json?: boolean; contentType?: string } = {}
  ) {
    const before = await transactionCount(body)
    const response = await postCallback(backend, endpoint, body, options)
    expect(response.status).toBe(200)
    expect(response.headers?.["content-type"] ?? "json").toMatch(/json/)
    expect(response.body, response.text).toMatchObject({ error })
    expect(typeof response.body.error_note).toBe("string")
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+|<html|stack/i)
    expect(await transactionCount(body)).toBe(before)
    return response.body
  }

  const base = () => ({ cartId: cart.cartId, amount: cart.amount })

  it("-8 for missing or malformed fields, echoing the ids it has", async () => {
    const { sign_time: _dropped, ...withoutSignTime } = prepareFields(base())
    const answer = await expectRefused("prepare", withoutSignTime, -8)
    expect(answer.merchant_trans_id).toBe(cart.cartId)
    await expectRefused("prepare", prepareFields({ ...base(), tamper: { amount: "1e5" } }), -8)
    await expectRefused("prepare", prepareFields({ ...base(), tamper: { amount: "-58400" } }), -8)
    await expectRefused("prepare", prepareFields({ ...base(), tamper: { click_trans_id: "12abc" } }), -8)
    await expectRefused("complete", completeFields({ ...base(), merchantPrepareId: "" }), -8)
    await expectRefused("prepare", "", -8)
    await expectRefused("prepare", "this is not a form {", -8, { contentType: "application/json" })
    await expectRefused("prepare", JSON.stringify([1, 2, 3]), -8, { json: true })
  })

  it("-8 for repeated, nested and array fields (which value was signed?)", async () => {
    const fields = prepareFields(base())
    const query = new URLSearchParams(fields)
    query.append("amount", "1.00")
    await expectRefused("prepare", query.toString(), -8)
    await expectRefused("prepare", JSON.stringify({ ...fields, amount: [fields.amount] }), -8, { json: true })
    await expectRefused("prepare", JSON.stringify({ ...fields, extra: { nested: true } }), -8, { json: true })
  })

  it("-1 for a wrong signature, a wrong secret or a field changed after signing", async () => {
    await expectRefused("prepare", prepareFields({ ...base(), secretKey: "guessed" }), -1)
    await expectRefused("prepare", prepareFields({ ...base(), tamper: { amount: "1.00" } }), -1)
    await expectRefused("prepare", prepareFields({ ...base(), tamper: { sign_string: "0".repeat(32) } }), -1)
    // Re-formatting the amount is a different signed string.
    const signedWithoutDecimals = prepareFields({ ...base(), amount: cart.amount.replace(/\.00$/, "") })
    await expectRefused("prepare", { ...signedWithoutDecimals, amount: cart.amount }, -1)
  })

  it("-8 for another merchant's service_id or a stale or far-future sign_time, even when correctly signed", async () => {
    await expectRefused("prepare", prepareFields({ ...base(), serviceId: "99999" }), -8)
    const stale = formatSignTime(new Date(Date.now() - 3600_000))
    await expectRefused("prepare", prepareFields({ ...base(), signTime: stale }), -8)
    const future = formatSignTime(new Date(Date.now() + 3600_000))
    await expectRefused("prepare", prepareFields({ ...base(), signTime: future }), -8)
    await expectRefused("prepare", prepareFields({ ...base(), signTime: "2026-13-45 99:00:00" }), -8)
  })

  it("-3 for an action that is not the endpoint's", async () => {
    await expectRefused("prepare", prepareFields({ ...base(), action: "7" }), -3)
    await expectRefused("complete", prepareFields({ ...base(), action: "0" }), -3)
  })

  it("-5 for a cart that does not exist or does not pay with Click, -2 for a wrong amount", async () => {
    await expectRefused("prepare", prepareFields({ cartId: "cart_01NOPE", amount: cart.amount }), -5)
    await enableSystemProvider(backend.url)
    const systemCart = await createPayableCart(backend, { providerId: "pp_system_default" })
    await expectRefused("prepare", prepareFields({ cartId: systemCart.cartId, amount: "58400.00" }), -5)
    await expectRefused("prepare", prepareFields({ ...base(), amount: "58399.99" }), -2)
    await expectRefused("prepare", prepareFields({ ...base(), amount: "58400.01" }), -2)
    await expectRefused("prepare", prepareFields({ ...base(), amount: "0" }), -2)
  })

  it("-6 for a Complete naming another cart's prepared transaction", async () => {
    const other = await createPayableCart(backend)
    const otherPrepare = await clickPrepare(backend, { cartId: other.cartId, amount: other.amount })
    expect(otherPrepare.body.error).toBe(0)
    await expectRefused(
      "complete",
      completeFields({ ...base(), merchantPrepareId: otherPrepare.body.merchant_prepare_id }),
      -6
    )
  })

  it("-6 for a correctly signed Complete whose all-digit merchant_prepare_id names no transaction, whatever its length", async () => {
    for (const merchantPrepareId of ["9".repeat(9), "12345678901", "123456789012", "1".repeat(25)]) {
      const answer = await expectRefused("complete", completeFields({ ...base(), merchantPrepareId }), -6)
      expect(answer, `merchant_prepare_id of ${merchantPrepareId.length} digits`).toMatchObject({ error: -6 })
    }
  })

  it("has no sandbox pay page or demo shop outside sandbox mode", async () => {
    const before = await transactionCount()
    expect((await fetch(`${backend.url}/click-sandbox/shop`)).status).toBe(404)
    expect((await fetch(`${backend.url}/click-sandbox/shop/return?cart_id=${cart.cartId}`)).status).toBe(404)
    expect((await fetch(`${backend.url}/click-sandbox/pay?transaction_param=${cart.cartId}`)).status).toBe(404)
    const post = await fetch(`${backend.url}/click-sandbox/pay`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ transaction_param: cart.cartId, amount: cart.amount, choice: "pay" }).toString(),
    })
    expect(post.status).toBe(404)
    expect(await transactionCount()).toBe(before)
  })

  it("refuses an oversize body without reading it all, still in Click's shape", async () => {
    const huge = new URLSearchParams({ ...prepareFields(base()), padding: "x".repeat(64 * 1024) }).toString()
    await expectRefused("prepare", huge, -8)
  })

  it("keeps an audit record of every callback, without the full signature", async () => {
    const clickTransId = newClickTransId()
    const fields = prepareFields({ ...base(), clickTransId, secretKey: "guessed" })
    await postCallback(backend, "prepare", fields)
    const { rows } = await backend.db.query(
      "SELECT endpoint, signature_valid, error, fields, response, duration_ms FROM click_callback WHERE click_trans_id = $1",
      [clickTransId]
    )
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ endpoint: "prepare", signature_valid: false, error: -1 })
    expect(rows[0].response).toMatchObject({ error: -1 })
    expect(rows[0].fields.merchant_trans_id).toBe(cart.cartId)
    expect(JSON.stringify(rows[0])).not.toContain(fields.sign_string)
    expect(rows[0].duration_ms).toBeGreaterThanOrEqual(0)
  })

  it("logs every callback as structured JSON with its ids, never the secret or a signature", async () => {
    const clickTransId = newClickTransId()
    const fields = prepareFields({ ...base(), clickTransId })
    const answer = await postCallback(backend, "prepare", fields)
    expect(answer.body.error).toBe(0)
    const badlySigned = prepareFields({ ...base(), secretKey: "guessed" })
    await postCallback(backend, "prepare", badlySigned)

    // The backend's output reaches its log file through a pipe, a moment after the answer.
    const answered = (id: string) =>
      backend
        .readLog()
        .split("\n")
        .filter((line) => line.includes('"callback answered"'))
        .map((line) => JSON.parse(line))
        .find((e) => String(e.click_trans_id) === id)
    await expect.poll(() => answered(clickTransId)).toMatchObject({ endpoint: "prepare", merchant_trans_id: cart.cartId, error: 0 })
    await expect.poll(() => answered(badlySigned.click_trans_id)).toMatchObject({ endpoint: "prepare", error: -1 })
    const log = backend.readLog()
    expect(log).not.toContain(clickMerchant.secretKey)
    expect(log).not.toContain(fields.sign_string)
    expect(log).not.toContain(badlySigned.sign_string)
  })
})

/** The ids a callback body names, whichever way it is encoded (empty when it cannot be read). */
function callbackIds(body: Record<string, string> | string): Record<string, unknown> {
  if (typeof body !== "string") return body
  try {
    const parsed = JSON.parse(body)
    if (parsed && typeof parsed === "object") return parsed
  } catch {
    // form-encoded, or garbage
  }
  return Object.fromEntries(new URLSearchParams(body))
}

const text = (value: unknown) => (typeof value === "string" ? value : "")
