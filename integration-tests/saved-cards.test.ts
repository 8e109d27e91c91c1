import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"
import { browserAvailable, openPage, sandboxInBrowser, screenshot } from "./harness/browser"
import { columnsMatching, expectNoCardSecrets, recordCardNumber, recordCardSecrets, recordPageAnswers, recordSmsCode } from "./harness/card-secrets"
import { customerStore, loggedInCustomer as loggedIn, newCardNumber } from "./harness/customers"
import { countOrdersForCart } from "./harness/storefront"

/**
 * Saved cards (Click card tokens) as Medusa payment methods, against a real
 * backend and Click's Merchant API double over HTTP: a logged-in customer adds
 * a card (Click's SMS code read from the double, as the customer reads it on
 * the phone), lists it masked and deletes it, at Click too. Another customer
 * can neither see nor delete it. The card number and the SMS code are kept
 * nowhere: no table, no log line, no answer holds them.
 */
describe("saved cards", () => {
  let backend: Backend
  const cardSecrets = recordCardSecrets()

  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    try {
      if (backend) await expectNoCardSecrets(cardSecrets, backend)
    } finally {
      await backend?.stop()
    }
  })

  const store = (method: "get" | "post" | "delete", path: string, bearer?: string, body?: object) => customerStore(backend)(method, path, bearer, body)

  /** A customer registered and logged in through Medusa's auth routes: their bearer token. */
  const loggedInCustomer = async () => (await loggedIn(backend)).bearer

  /** Click's side: what the double knows of a token (its SMS code, as the card's phone receives it). */
  async function atClick(method: "GET" | "POST", path: string) {
    const response = await fetch(new URL(path, inject("clickMerchantApi").controlUrl), { method })
    return { status: response.status, body: (await response.json()) as Record<string, any> }
  }
  const smsCodeOf = async (token: string): Promise<string> => (await atClick("GET", `card-tokens/${token}`)).body.card_token.sms_code

  const addCard = (bearer: string, cardNumber: string) =>
    store("post", "/store/click/cards", bearer, { card_number: cardNumber.replace(/(\d{4})(?=\d)/g, "$1 "), expire_date: "1229" })
  const verify = (bearer: string, token: string, smsCode: string) =>
    store("post", `/store/click/cards/${token}/verify`, bearer, { sms_code: smsCode })
  const listCards = async (bearer: string) => {
    const listed = await store("get", "/store/click/cards", bearer)
    expect(listed.status, listed.text).toBe(200)
    return listed.body.cards as { id: string; card_number: string }[]
  }

  it("adds, lists and deletes a customer's card, refuses wrong and expired codes, and keeps it from another customer", async () => {
    const alice = await loggedInCustomer()
    const bob = await loggedInCustomer()
    const card = newCardNumber()

    expect((await store("post", "/store/click/cards", undefined, { card_number: card, expire_date: "1229" })).status).toBe(401)
    expect((await store("get", "/store/click/cards")).status).toBe(401)
    const mistyped = await addCard(alice, card.slice(0, 15) + String((Number(card[15]) + 1) % 10))
    expect(mistyped.status).toBe(400)
    expect(mistyped.body).toMatchObject({ code: "invalid_card_data", message: "card_number: is not a valid card number" })
    expect((await addCard(alice, card.slice(0, 12))).status).toBe(400)

    // Click sends the SMS code to the card's phone.
    const added = await addCard(alice, card)
    expect(added.status, added.text).toBe(201)
    expect(added.body).toEqual({ card_token: expect.any(String), phone_number: "+998*****4567" })
    const token: string = added.body.card_token
    const smsCode = await smsCodeOf(token)

    const wrongCode = String((Number(smsCode) + 1) % 1_000_000).padStart(6, "1")
    const wrong = await verify(alice, token, wrongCode)
    expect(wrong.status).toBe(422)
    expect(wrong.body).toMatchObject({ code: "sms_code_wrong", message: "The SMS code is wrong: enter the code Click sent to +998*****4567." })
    // Bob cannot save Alice's card, even with its code.
    const stolen = await verify(bob, token, smsCode)
    expect(stolen.status).toBe(404)
    expect((await atClick("GET", `card-tokens/${token}`)).body.card_token.verified).toBe(false)

    const verified = await verify(alice, token, smsCode)
    expect(verified.status, verified.text).toBe(201)
    const masked = `${card.slice(0, 6)}******${card.slice(-4)}`
    expect(verified.body.card).toEqual({ id: expect.stringMatching(/^clickcard_/), provider_id: "pp_click_click", card_number: masked, saved_at: expect.any(String) })
    const cardId: string = verified.body.card.id
    // A saved card's code cannot be used again.
    expect((await verify(alice, token, smsCode)).status).toBe(404)

    // Bob saves a card of his own: each sees only their own.
    const bobsCard = newCardNumber()
    const bobAdds = await addCard(bob, bobsCard)
    expect(bobAdds.status, bobAdds.text).toBe(201)
    const bobVerifies = await verify(bob, bobAdds.body.card_token, await smsCodeOf(bobAdds.body.card_token))
    expect(bobVerifies.status, bobVerifies.text).toBe(201)
    expect(await listCards(alice)).toEqual([verified.body.card])
    expect(await listCards(bob)).toEqual([bobVerifies.body.card])

    // Bob cannot delete it: it stays, at Click and here.
    const bobDeletes = await store("delete", `/store/click/cards/${cardId}`, bob)
    expect(bobDeletes.status).toBe(404)
    expect(bobDeletes.body).toMatchObject({ code: "card_not_found" })
    expect(await listCards(alice)).toHaveLength(1)
    expect((await atClick("GET", `card-tokens/${token}`)).status).toBe(200)
    // Nor can Alice delete Bob's.
    expect((await store("delete", `/store/click/cards/${bobVerifies.body.card.id}`, alice)).status).toBe(404)
    expect(await listCards(bob)).toHaveLength(1)

    // An expired code is refused with its own words.
    const second = await addCard(alice, card)
    expect(second.status, second.text).toBe(201)
    const secondCode = await smsCodeOf(second.body.card_token)
    expect((await atClick("POST", `card-tokens/${second.body.card_token}/expire-code`)).status).toBe(200)
    const expired = await verify(alice, second.body.card_token, secondCode)
    expect(expired.status).toBe(422)
    expect(expired.body).toMatchObject({ code: "sms_code_expired", click_error_code: -301, message: "The SMS code has expired: add the card again to get a new code." })
    expect(await listCards(alice)).toHaveLength(1)

    // Alice deletes it: gone at Click, gone here.
    const deleted = await store("delete", `/store/click/cards/${cardId}`, alice)
    expect(deleted.status, deleted.text).toBe(200)
    expect(deleted.body).toEqual({ id: cardId, object: "click_saved_card", deleted: true })
    expect((await atClick("GET", `card-tokens/${token}`)).status).toBe(404)
    expect(await listCards(alice)).toEqual([])
    expect((await store("delete", `/store/click/cards/${cardId}`, alice)).status).toBe(404)

    // The card numbers (refused ones too) and the SMS codes are in no table, no log line and no
    // answer: checked once the file is done (afterAll). The check reads what this flow left: the
    // saved card is logged by its masked number, and the token of the request left unverified is stored.
    const logLines = backend.readLog().split("\n")
    expect(logLines.filter((line) => line.includes("click card saved") && line.includes(masked))).toHaveLength(1)
    const unverified: string = second.body.card_token
    expect(await columnsMatching(backend.db, unverified)).toEqual([`public.click_saved_card.card_token: ${unverified}`])
  })

  it("shows no SMS code outside sandbox mode", async () => {
    expect((await backend.http.get("/click-sandbox/sms?card_token=0123abcd")).status).toBe(404)
  })
})

/**
 * Sandbox mode: the demo shop's "Pay with a saved card" in a real browser.
 * The demo customer logs in, adds a card with the SMS code the sandbox shows
 * in place of the card's phone, sees it masked, and pays a cart with it; the
 * backend debits it at Click (the backend's own double) and places the order.
 */
describe.runIf(browserAvailable())("a saved card in the sandbox shop, in a real browser", () => {
  const sandbox = sandboxInBrowser()
  const cardSecrets = recordCardSecrets()

  it("log in → add a card → the sandbox's SMS code → the masked card → Pay with a saved card → the order confirmation, with exactly one order and no card number on any page", async () => {
    const page = await openPage(sandbox.browser)
    const pageAnswersRead = recordPageAnswers(page)
    await page.goto(`${sandbox.backend.url}/click-sandbox/shop`)
    await page.getByTestId("log-in").click()
    await page.getByTestId("card-area").waitFor({ state: "visible" })
    expect(await page.getByTestId("customer").textContent()).toBe("Logged in as demo-customer@click-sandbox.test")

    const card = newCardNumber()
    recordCardNumber(card)
    const masked = `${card.slice(0, 6)}******${card.slice(-4)}`
    await page.getByTestId("card-number").fill(card.replace(/(\d{4})(?=\d)/g, "$1 "))
    await page.getByRole("button", { name: "Add card" }).click()
    await page.getByTestId("verify-card").waitFor({ state: "visible" })
    expect(await page.getByTestId("sms-phone").textContent()).toBe("+998*****4567")
    await expect.poll(() => page.getByTestId("sandbox-sms").textContent()).toMatch(/^Sandbox SMS from Click: your code is \d{6}$/)
    const smsCode = (await page.getByTestId("sandbox-sms").textContent())!.slice(-6)
    recordSmsCode(smsCode)
    await page.getByTestId("sms-code").fill(smsCode)
    await page.getByRole("button", { name: "Verify card" }).click()
    await expect.poll(() => page.getByTestId("saved-card").allTextContents()).toEqual([expect.stringContaining(masked)])
    expect(await page.getByTestId("verify-card").isHidden()).toBe(true)
    expect((await pageText(page)).includes(card), "the full card number is on the shop page").toBe(false)
    await screenshot(page, "saved-card-listed")

    await page.locator("button[data-card-handle=click-demo-tshirt]").click()
    // On the return page; a refusal stays on the shop's error line, which the failure then shows.
    const where = async () => `${page.url()} ${await page.getByTestId("shop-error").textContent().catch(() => "")}`
    await expect.poll(where, { timeout: 30_000 }).toMatch(/\/click-sandbox\/shop\/return\?cart_id=/)
    await page.waitForLoadState()
    const cartId = new URL(page.url()).searchParams.get("cart_id")!
    await expect.poll(() => page.getByTestId("payment-status").textContent(), { timeout: 60_000 }).toMatch(/^Order #\d+ placed$/)
    await screenshot(page, "saved-card-order-placed")
    expect(await countOrdersForCart(sandbox.backend, cartId)).toBe(1)
    expect((await pageText(page)).includes(card), "the full card number is on the order page").toBe(false)
    // What the browser typed went to Click and nowhere else: no table, log line or store answer holds it.
    await pageAnswersRead()
    await expectNoCardSecrets(cardSecrets, sandbox.backend)
    expect(page.errors).toEqual([])
  })
})

/** Everything a page holds, its markup and what its inputs hold, without spaces (a number typed as 8600 1234 … counts). */
async function pageText(page: Page): Promise<string> {
  const text = await page.evaluate(
    () => document.documentElement.outerHTML + [...document.querySelectorAll("input")].map((input) => input.value).join("|")
  )
  return text.replace(/\s+/g, "")
}
