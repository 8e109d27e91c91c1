import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { sharedBackend, type Backend } from "./harness/backend"
import {
  countOrdersForCart,
  createPayableCart,
  pressSandboxButton,
  waitForOrders,
  waitForPaymentState,
} from "./harness/storefront"

/** Sandbox mode (CLICK_SANDBOX=true): Click's pay page and Merchant API, played by this backend. */
describe("sandbox pay page", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("sandbox")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  /** What the shopper's browser does: open the pay link, press a button. */
  const press = (paymentUrl: string, choice: "pay" | "decline", tamper: Record<string, string> = {}) =>
    pressSandboxButton(backend.url, paymentUrl, choice, tamper)

  it("shows Click's page on the backend's own origin, and Pay places the order through real callbacks", async () => {
    const cart = await createPayableCart(backend)
    const link = new URL(cart.paymentUrl)
    expect(link.origin).toBe(new URL(backend.url).origin.replace("127.0.0.1", "localhost"))
    const pageResponse = await fetch(`${backend.url}${link.pathname}${link.search}`)
    expect(pageResponse.status).toBe(200)
    const html = await pageResponse.text()
    expect(html).toContain(cart.cartId)
    expect(html).toContain(`${cart.amount} UZS`)
    expect(html).toMatch(/>Pay<\/button>/)
    expect(html).toMatch(/>Decline<\/button>/)

    const paid = await press(`${backend.url}${link.pathname}${link.search}`, "pay")
    expect(paid.status).toBe(303)
    expect(paid.headers.get("location")).toBe(link.searchParams.get("return_url"))
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    const { rows } = await backend.db.query(
      "SELECT endpoint, error FROM click_callback WHERE merchant_trans_id = $1 ORDER BY created_at",
      [cart.cartId]
    )
    expect(rows).toEqual([
      { endpoint: "prepare", error: 0 },
      { endpoint: "complete", error: 0 },
    ])
  })

  it("Decline leaves the cart payable; Pay on the same link then places one order, which refunds through the local Merchant API", async () => {
    const cart = await createPayableCart(backend)
    const link = new URL(cart.paymentUrl)
    const url = `${backend.url}${link.pathname}${link.search}`
    expect((await press(url, "decline")).status).toBe(303)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)
    expect((await press(url, "pay")).status).toBe(303)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)

    const { rows } = await backend.db.query(
      "SELECT merchant_prepare_id FROM click_transaction WHERE merchant_trans_id = $1 AND state <> 'cancelled'",
      [cart.cartId]
    )
    const placed = await waitForPaymentState(backend, { merchantPrepareId: rows[0].merchant_prepare_id }, ["placed"])
    const payment = await backend.db.query(
      "SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.merchant_prepare_id = $1",
      [rows[0].merchant_prepare_id]
    )
    const token = await adminToken(backend.url)
    const refund = await fetch(`${backend.url}/admin/payments/${payment.rows[0].id}/refund`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ amount: Number(cart.amount) }),
    })
    expect(refund.status).toBe(200)
    expect(await waitForPaymentState(backend, { merchantPrepareId: rows[0].merchant_prepare_id }, ["reversed"])).toMatchObject({
      state: "reversed",
      order_id: placed!.order_id,
    })
  })

  it("shows Click's error and places no order for a tampered amount, an unknown cart or a paid cart", async () => {
    const cart = await createPayableCart(backend)
    const link = new URL(cart.paymentUrl)
    const url = `${backend.url}${link.pathname}${link.search}`
    const tampered = await press(url, "pay", { amount: "1.00" })
    expect(tampered.status).toBe(200)
    expect(await tampered.text()).toMatch(/error -2/)
    const unknown = await press(url, "pay", { transaction_param: "cart_does_not_exist" })
    expect(await unknown.text()).toMatch(/error -5/)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)

    expect((await press(url, "pay")).status).toBe(303)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
    const again = await press(url, "pay")
    expect(await again.text()).toMatch(/error -4/)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
  })
})
