import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startBackend, type Backend } from "./harness/backend"
import { newClickTransId, postCallback, prepareFields } from "./harness/click"
import { createPayableCart, type PayableCart } from "./harness/storefront"

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Callback and audit rows of one attempt or of everything since `since`. */
async function callbacks(backend: Backend, where: { clickTransId?: string; since?: Date }) {
  const { rows } = await backend.db.query(
    `SELECT signature_valid, error, reason, remote_address FROM click_callback
      WHERE ($1::text IS NULL OR click_trans_id = $1) AND ($2::timestamptz IS NULL OR created_at >= $2)`,
    [where.clickTransId ?? null, where.since?.toISOString() ?? null]
  )
  return rows
}

/** Click's Prepare for `cart`, as posted by whoever sends `headers`. */
function prepare(backend: Backend, cart: PayableCart, options: { headers?: Record<string, string>; secretKey?: string } = {}) {
  const clickTransId = newClickTransId()
  const fields = prepareFields({ cartId: cart.cartId, amount: cart.amount, clickTransId, secretKey: options.secretKey })
  return fetch(`${backend.url}/hooks/click/prepare`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...options.headers },
    body: new URLSearchParams(fields).toString(),
  }).then(async (response) => ({ clickTransId, status: response.status, body: await response.json() }))
}

describe("the callback URLs' defences, without a proxy (the TCP peer is the caller)", () => {
  let backend: Backend
  let cart: PayableCart
  beforeAll(async () => {
    backend = await startBackend({
      env: {
        CLICK_ALLOWED_IPS: "127.0.0.1, ::1",
        CLICK_UNSIGNED_CALLBACKS_PER_MIN: "20",
        CLICK_STATUS_REQUESTS_PER_MIN: "30",
        CLICK_AUDIT_PRUNE_CRON: "* * * * * *",
      },
    })
    cart = await createPayableCart(backend)
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("stores at most the budget of a flood of forged callbacks, answers every one, and still stores and serves Click's", async () => {
    const since = new Date(Date.now() - 1000)
    const forged = await Promise.all(Array.from({ length: 100 }, () => prepare(backend, cart, { secretKey: "guessed" })))
    expect(forged.map((f) => [f.status, f.body.error])).toEqual(Array(100).fill([200, -1]))
    const stored = await callbacks(backend, { since })
    expect(stored).toHaveLength(20)
    expect(stored.every((row) => row.signature_valid === false && row.remote_address === "127.0.0.1")).toBe(true)

    // Click's own callback from the same address, past the budget: answered and stored.
    const genuine = await prepare(backend, cart, { headers: { "x-forwarded-for": "198.51.100.7" } })
    expect(genuine.body.error).toBe(0)
    // X-Forwarded-For is anyone's to send: without trustProxy the caller is the TCP peer.
    expect(await callbacks(backend, { clickTransId: genuine.clickTransId })).toEqual([
      { signature_valid: true, error: 0, reason: null, remote_address: "127.0.0.1" },
    ])
  })

  it("limits the status route per address: 429 with Retry-After past the budget, whatever X-Forwarded-For says", async () => {
    const statuses = []
    for (let i = 0; i < 35; i++) {
      const response = await fetch(`${backend.url}/store/click/carts/${cart.cartId}`, {
        headers: { "x-publishable-api-key": backend.publishableKey, "x-forwarded-for": `198.51.100.${i}` },
      })
      statuses.push({ status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() })
    }
    expect(statuses.slice(0, 30).map((s) => s.status)).toEqual(Array(30).fill(200))
    expect(statuses.slice(30).map((s) => s.status)).toEqual(Array(5).fill(429))
    expect(Number(statuses[34].retryAfter)).toBeGreaterThanOrEqual(1)
    expect(statuses[34].body.message).toMatch(/statusRequestsPerMinute/)
  })

  it("prunes the audit: forged callbacks after 7 days, Click's after 400, never a payment's states", async () => {
    const clickTransId = (id: string) => `99${id}${Date.now() % 1e6}`
    const rows = [
      { id: clickTransId("1"), valid: false, ageDays: 8, kept: false },
      { id: clickTransId("2"), valid: false, ageDays: 6, kept: true },
      { id: clickTransId("3"), valid: null, ageDays: 8, kept: false },
      { id: clickTransId("4"), valid: true, ageDays: 401, kept: false },
      { id: clickTransId("5"), valid: true, ageDays: 399, kept: true },
    ]
    for (const row of rows) {
      await backend.db.query(
        `INSERT INTO click_callback (id, endpoint, click_trans_id, fields, signature_valid, error, response, duration_ms, created_at)
         VALUES ($1, 'prepare', $2, '{}', $3, -1, '{}', 1, now() - make_interval(days => $4))`,
        [`clickcb_test_${row.id}`, row.id, row.valid, row.ageDays]
      )
    }
    const { rows: eventsBefore } = await backend.db.query("SELECT count(*)::int AS n FROM click_payment_event")
    const present = async () =>
      (await backend.db.query("SELECT click_trans_id FROM click_callback WHERE click_trans_id = ANY($1)", [rows.map((r) => r.id)])).rows.map(
        (r) => r.click_trans_id
      )
    const deadline = Date.now() + 10_000
    while ((await present()).length > 2 && Date.now() < deadline) await sleep(250)
    expect((await present()).sort()).toEqual(rows.filter((r) => r.kept).map((r) => r.id).sort())
    const { rows: eventsAfter } = await backend.db.query("SELECT count(*)::int AS n FROM click_payment_event")
    expect(eventsAfter[0].n).toBe(eventsBefore[0].n)
  })
})

describe("the callback URLs' defences behind a proxy (trustProxy, an allow-list of Click's network)", () => {
  let backend: Backend
  let cart: PayableCart
  beforeAll(async () => {
    backend = await startBackend({ env: { CLICK_ALLOWED_IPS: "203.0.113.0/24", CLICK_TRUST_PROXY: "true" } })
    cart = await createPayableCart(backend)
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("serves a signed callback only from the allow-list, as the nearest proxy reports the caller", async () => {
    const direct = await prepare(backend, cart)
    const spoofedBehindProxy = await prepare(backend, cart, { headers: { "x-forwarded-for": "203.0.113.7, 10.9.8.7" } })
    const viaProxy = await prepare(backend, cart, { headers: { "x-forwarded-for": "203.0.113.7" } })
    expect([direct, spoofedBehindProxy, viaProxy].map((p) => p.body.error)).toEqual([-8, -8, 0])
    const { rows } = await backend.db.query("SELECT click_trans_id FROM click_transaction WHERE merchant_trans_id = $1", [cart.cartId])
    expect(rows.map((r) => r.click_trans_id)).toEqual([viaProxy.clickTransId])
    expect(await callbacks(backend, { clickTransId: viaProxy.clickTransId })).toEqual([
      { signature_valid: true, error: 0, reason: null, remote_address: "203.0.113.7" },
    ])
    expect(await callbacks(backend, { since: new Date(Date.now() - 60_000) })).toContainEqual({
      signature_valid: null,
      error: -8,
      reason: "source_not_allowed",
      remote_address: "10.9.8.7",
    })
  })
})
