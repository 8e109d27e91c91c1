import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { formatSignTime } from "../src/click"
import type { MerchantApiDouble } from "../src/sandbox/merchant-api-double"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble, type ClickPayment } from "./harness/click-double"
import { clickComplete } from "./harness/click"
import { createPayableCart, waitForOrders, waitForPaymentState } from "./harness/storefront"

/** Unverified callbacks (stale replays included) each address may have stored per minute here. */
const BUDGET = 8

/**
 * Click's Complete signed long ago: Click retrying late, or someone replaying
 * a captured Complete. Answered from what the backend knows, never acted on,
 * and (like unsigned callbacks) within a per-address budget.
 */
describe("a correctly signed Complete with a stale sign_time", () => {
  let double: MerchantApiDouble
  let backend: Backend
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: { CLICK_MERCHANT_API_URL: double.url, CLICK_UNSIGNED_CALLBACKS_PER_MIN: String(BUDGET) },
    })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  const anHourAgo = () => formatSignTime(new Date(Date.now() - 3600_000))
  const lateComplete = (payment: ClickPayment, error?: string) =>
    clickComplete(backend, { ...payment, error, signTime: anHourAgo() }).then((response) => response.body.error)

  async function pay(options: { complete?: boolean; decline?: boolean } = {}) {
    return clickPays(backend, double, await createPayableCart(backend), options)
  }

  /** The payment's state and how many state changes it ever had. */
  async function history(payment: ClickPayment) {
    const { rows } = await backend.db.query(
      `SELECT t.state, (SELECT count(*)::int FROM click_payment_event e WHERE e.transaction_id = t.id) AS changes
         FROM click_transaction t WHERE t.merchant_prepare_id = $1`,
      [payment.merchantPrepareId]
    )
    return rows[0] as { state: string; changes: number }
  }

  it("gets -4 for a placed or confirmed payment and -9 for a cancelled one, and changes nothing", async () => {
    const placed = await pay()
    await waitForPaymentState(backend, { merchantPrepareId: placed.merchantPrepareId }, ["placed"])
    const cancelled = await pay({ decline: true })
    expect(cancelled.answer!.error).toBe(-9)
    // Debited, its order not yet placed: kept out of the placement job's reach for the test.
    const confirmed = await pay({ complete: false })
    await backend.db.query(
      `UPDATE click_transaction SET state = 'confirmed', next_attempt_at = now() + interval '1 hour' WHERE merchant_prepare_id = $1`,
      [confirmed.merchantPrepareId]
    )
    const before = await Promise.all([placed, confirmed, cancelled].map(history))

    expect(await lateComplete(placed)).toBe(-4)
    expect(await lateComplete(placed, "-5017")).toBe(-4)
    expect(await lateComplete(confirmed)).toBe(-4)
    expect(await lateComplete(cancelled)).toBe(-9)
    expect(await lateComplete(cancelled, "-5017")).toBe(-9)

    expect(await Promise.all([placed, confirmed, cancelled].map(history))).toEqual(before)
    expect(before.map((h) => h.state)).toEqual(["placed", "confirmed", "cancelled"])
  })

  it("gets -8 and a lookup at Click for a payment still prepared, and -8 when it names no payment of its cart", async () => {
    const unsettled = await pay({ complete: false })
    expect(await lateComplete(unsettled)).toBe(-8)
    // Click's ledger says it was paid: the lookup places the order long before the reconciliation job would.
    expect(await waitForOrders(backend, unsettled.cartId, 10_000)).toBe(1)

    const other = await pay({ complete: false })
    expect(await lateComplete({ ...other, merchantPrepareId: unsettled.merchantPrepareId })).toBe(-8)
    expect((await history(other)).state).toBe("prepared")
  })

  it("spends the caller's budget: past it a replay is answered -8 from nothing and not stored, while Click's fresh callbacks are", async () => {
    const placed = await pay()
    await waitForPaymentState(backend, { merchantPrepareId: placed.merchantPrepareId }, ["placed"])
    const replays: number[] = []
    for (let i = 0; i < 20; i++) replays.push(await lateComplete(placed))
    const answeredFromState = replays.filter((error) => error === -4).length
    expect(answeredFromState).toBeGreaterThanOrEqual(1)
    expect(answeredFromState).toBeLessThanOrEqual(BUDGET)
    expect(replays).toEqual([...Array(answeredFromState).fill(-4), ...Array(20 - answeredFromState).fill(-8)])

    const stored = async (reason: string | null) =>
      (
        await backend.db.query(
          "SELECT count(*)::int AS n FROM click_callback WHERE click_trans_id = $1 AND endpoint = 'complete' AND reason IS NOT DISTINCT FROM $2",
          [placed.clickTransId, reason]
        )
      ).rows[0].n
    expect(await stored("sign_time:stale")).toBe(answeredFromState)

    // Click's own repeat from the same address, past the budget: answered from the state and stored.
    expect((await clickComplete(backend, placed)).body.error).toBe(-4)
    expect(await stored(null)).toBe(2)
  })
})
