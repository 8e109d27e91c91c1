import { describe, expect, it } from "vitest"
import { fakeBackend } from "./fake-backend"
import { createClickCheckout } from "../../../src/storefront"

const card = { id: "clickcard_1", provider_id: "pp_click_click", card_number: "860012******9012", saved_at: "2026-12-06T21:00:00.000Z" }
const session = { id: "payses_1", provider_id: "pp_click_click", data: { payment_url: "https://my.click.uz/services/pay?x" } }
const sessionRoutes = {
  "POST /store/payment-collections": () => ({ status: 200, body: { payment_collection: { id: "paycol_1" } } }),
  "POST /store/payment-collections/paycol_1/payment-sessions": () => ({ status: 200, body: { payment_collection: { payment_sessions: [session] } } }),
}

describe("saved cards in the storefront helper", () => {
  it("adds, verifies, lists and deletes a card with the customer's bearer token", async () => {
    const backend = fakeBackend({
      "POST /store/click/cards": () => ({ status: 201, body: { card_token: "tok 1", phone_number: "+998*****4567" } }),
      "POST /store/click/cards/tok%201/verify": () => ({ status: 201, body: { card } }),
      "GET /store/click/cards": () => ({ status: 200, body: { cards: [card] } }),
      "DELETE /store/click/cards/clickcard_1": () => ({ status: 200, body: { id: card.id, object: "click_saved_card", deleted: true } }),
    })
    let token = "jwt-1"
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", customerToken: () => token, fetch: backend.fetch })

    expect(await click.saveCard("8600 1234 5678 9012", "1229")).toEqual({ card_token: "tok 1", phone_number: "+998*****4567" })
    expect(await click.verifyCard("tok 1", "123456")).toEqual(card)
    token = "jwt-2"
    expect(await click.listSavedCards()).toEqual([card])
    expect(await click.deleteSavedCard("clickcard_1")).toEqual({ id: card.id, object: "click_saved_card", deleted: true })
    expect(backend.calls.map(({ call, body, authorization }) => [call, body, authorization])).toEqual([
      ["POST /store/click/cards", { card_number: "8600 1234 5678 9012", expire_date: "1229" }, "Bearer jwt-1"],
      ["POST /store/click/cards/tok%201/verify", { sms_code: "123456" }, "Bearer jwt-1"],
      ["GET /store/click/cards", undefined, "Bearer jwt-2"],
      ["DELETE /store/click/cards/clickcard_1", undefined, "Bearer jwt-2"],
    ])
    expect(backend.calls.every((call) => call.credentials === undefined)).toBe(true)
  })

  it("saves a card with the helper's Click provider and, when asked, as a temporary card", async () => {
    const backend = fakeBackend({
      "POST /store/click/cards": () => ({ status: 201, body: { card_token: "tok", phone_number: "+998*****4567" } }),
    })
    const brandB = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", providerId: "pp_click_brand-b", customerToken: "jwt", fetch: backend.fetch })
    await brandB.saveCard("8600 1234 5678 9012", "1229")
    await brandB.saveCard("8600 1234 5678 9012", "1229", { temporary: true })
    expect(backend.calls.map(({ body }) => body)).toEqual([
      { card_number: "8600 1234 5678 9012", expire_date: "1229", provider_id: "pp_click_brand-b" },
      { card_number: "8600 1234 5678 9012", expire_date: "1229", temporary: true, provider_id: "pp_click_brand-b" },
    ])
  })

  it("without a token, sends the browser's cookies (a Medusa session) on the customer's calls only", async () => {
    const backend = fakeBackend({
      ...sessionRoutes,
      "GET /store/click/cards": () => ({ status: 200, body: { cards: [] } }),
      "GET /store/click/carts/cart_1": () => ({ status: 200, body: { cart_id: "cart_1", status: "awaiting_payment" } }),
    })
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", fetch: backend.fetch })
    await click.listSavedCards()
    await click.status("cart_1")
    await click.startPayment("cart_1")
    expect(backend.calls.map(({ call, credentials, authorization }) => [call, credentials, authorization])).toEqual([
      ["GET /store/click/cards", "include", null],
      ["GET /store/click/carts/cart_1", undefined, null],
      ["POST /store/payment-collections", undefined, null],
      ["POST /store/payment-collections/paycol_1/payment-sessions", undefined, null],
    ])
  })

  it("payWithSavedCard creates the cart's Click session as the customer, then asks for the debit with the card's id alone", async () => {
    const backend = fakeBackend({
      ...sessionRoutes,
      "POST /store/click/carts/cart_1/card-payment": () => ({ status: 201, body: { card_payment: { status: "debited" } } }),
    })
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", customerToken: "jwt-1", fetch: backend.fetch })
    expect(await click.payWithSavedCard("cart_1", "clickcard_1")).toEqual({ status: "debited" })
    expect(backend.calls.map(({ call, body, authorization }) => [call, body, authorization])).toEqual([
      ["POST /store/payment-collections", { cart_id: "cart_1" }, "Bearer jwt-1"],
      ["POST /store/payment-collections/paycol_1/payment-sessions", { provider_id: "pp_click_click" }, "Bearer jwt-1"],
      ["POST /store/click/carts/cart_1/card-payment", { payment_method_id: "clickcard_1" }, "Bearer jwt-1"],
    ])
  })

  it("throws the backend's refusal with its status, code and Click's error code", async () => {
    const refusal = { type: "not_allowed", code: "insufficient_funds", message: "The card has insufficient funds.", click_error_code: -5017 }
    const backend = fakeBackend({
      ...sessionRoutes,
      "POST /store/click/carts/cart_1/card-payment": () => ({ status: 422, body: refusal }),
    })
    const click = createClickCheckout({ backendUrl: "http://shop.test", publishableKey: "pk_1", customerToken: "jwt-1", fetch: backend.fetch })
    const error = await click.payWithSavedCard("cart_1", "clickcard_1").catch((thrown: unknown) => thrown)
    expect(error).toMatchObject({ status: 422, body: refusal, message: expect.stringContaining("The card has insufficient funds.") })
  })
})
