import { describe, expect, it } from "vitest"
import { fakeBackend } from "./fake-backend"
import { createClickCheckout, type ClickCartPayment } from "../../../src/storefront"

const invoice = { invoice_id: "5000000001", phone: "+998*****4567", status: "waiting", created_at: "2026-12-06T21:00:00.000Z" }
const session = { id: "payses_1", provider_id: "pp_click_click", data: { payment_url: "https://my.click.uz/services/pay?x" } }

describe("payByPhone", () => {
  it("creates the cart's Click session, then asks for the invoice with the phone alone", async () => {
    const backend = fakeBackend({
      "POST /store/payment-collections": () => ({ status: 200, body: { payment_collection: { id: "paycol_1" } } }),
      "POST /store/payment-collections/paycol_1/payment-sessions": () => ({
        status: 200,
        body: { payment_collection: { payment_sessions: [session] } },
      }),
      "POST /store/click/carts/cart_1/invoice": () => ({ status: 201, body: { invoice } }),
    })
    const click = createClickCheckout({ backendUrl: "http://shop.test/", publishableKey: "pk_1", fetch: backend.fetch })

    expect(await click.payByPhone("cart_1", "+998 90 123 45 67")).toEqual(invoice)
    expect(backend.calls.map(({ call, body }) => [call, body])).toEqual([
      ["POST /store/payment-collections", { cart_id: "cart_1" }],
      ["POST /store/payment-collections/paycol_1/payment-sessions", { provider_id: "pp_click_click" }],
      ["POST /store/click/carts/cart_1/invoice", { phone: "+998 90 123 45 67" }],
    ])
    expect(backend.calls.every((call) => call.key === "pk_1")).toBe(true)
  })

  it("throws the backend's refusal with its status and code", async () => {
    const backend = fakeBackend({
      "POST /store/payment-collections": () => ({ status: 200, body: { payment_collection: { id: "paycol_1" } } }),
      "POST /store/payment-collections/paycol_1/payment-sessions": () => ({
        status: 200,
        body: { payment_collection: { payment_sessions: [session] } },
      }),
      "POST /store/click/carts/cart_1/invoice": () => ({
        status: 400,
        body: { code: "invalid_phone", message: "phone: phone must be +998 and 9 digits" },
      }),
    })
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", fetch: backend.fetch })
    const error = await click.payByPhone("cart_1", "12345").catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ status: 400, body: { code: "invalid_phone" } })
  })

  it("waitForOrder stops when the invoice is cancelled with nothing paid", async () => {
    const answers: ClickCartPayment[] = [
      { cart_id: "cart_1", status: "awaiting_payment", order_id: null, order_display_id: null, invoice: { ...invoice, status: "waiting" } },
      { cart_id: "cart_1", status: "awaiting_payment", order_id: null, order_display_id: null, invoice: { ...invoice, status: "cancelled" } },
    ]
    const backend = fakeBackend({ "GET /store/click/carts/cart_1": () => ({ status: 200, body: answers.shift() }) })
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", fetch: backend.fetch })
    const seen: string[] = []
    const last = await click.waitForOrder("cart_1", { intervalMs: 1, onStatus: (payment) => seen.push(payment.invoice!.status) })
    expect(seen).toEqual(["waiting", "cancelled"])
    expect(last.invoice?.status).toBe("cancelled")
  })
})
