import { networkInterfaces } from "node:os"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"
import { countOrdersForCart, createPayableCart, pressSandboxButton, waitForOrders } from "./harness/storefront"

/** This machine's own addresses that are not loopback: connecting to one makes it the caller's address. */
function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && !entry.internal && !entry.address.startsWith("fe80:"))
    .map((entry) => entry!.address)
}

/**
 * Sandbox mode plays Click's pay page: whoever reaches it can "pay" without
 * money. A backend left in sandbox mode on a public address must not let
 * them, so the pages serve only this machine (CLICK_SANDBOX_PUBLIC=true opens
 * them, see tests/unit/lib/request-guard.test.ts). Real TCP callers here: the
 * test connects to the backend through this machine's non-loopback interfaces.
 */
describe("sandbox pages outside this machine", () => {
  let backend: Backend
  const port = () => new URL(backend.url).port
  const via = (address: string) => `http://${address.includes(":") ? `[${address}]` : address}:${port()}`
  beforeAll(async () => {
    backend = await sharedBackend("sandbox")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  async function attemptsOf(cartId: string): Promise<number> {
    const { rows } = await backend.db.query("SELECT count(*)::int AS n FROM click_transaction WHERE merchant_trans_id = $1", [cartId])
    return rows[0].n
  }

  it("answers another address 403, naming CLICK_SANDBOX_PUBLIC, and takes no payment from it; this machine pays", async () => {
    const outside = nonLoopbackAddresses()
    expect(outside.length, "this machine needs a non-loopback address for this test").toBeGreaterThan(0)
    const cart = await createPayableCart(backend)
    const link = new URL(cart.paymentUrl)
    const pages = [`${link.pathname}${link.search}`, "/click-sandbox/shop", `/click-sandbox/shop/return?cart_id=${cart.cartId}`]
    for (const address of outside) {
      for (const page of pages) {
        const response = await fetch(`${via(address)}${page}`)
        expect(response.status, `GET ${page} from ${address}`).toBe(403)
        expect((await response.json()).message).toMatch(/CLICK_SANDBOX_PUBLIC=true/)
      }
      expect((await pressSandboxButton(via(address), cart.paymentUrl, "pay")).status, `Pay from ${address}`).toBe(403)
      // The sandbox's Click app (pay by phone): neither its page nor its Confirm serve another address.
      expect((await fetch(`${via(address)}/click-sandbox/app?invoice_id=5000000001`)).status, `Click app from ${address}`).toBe(403)
      const confirmed = await fetch(`${via(address)}/click-sandbox/app`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ invoice_id: "5000000001" }).toString(),
        redirect: "manual",
      })
      expect(confirmed.status, `Confirm from ${address}`).toBe(403)
      // Nor the SMS codes of cards being saved.
      expect((await fetch(`${via(address)}/click-sandbox/sms?card_token=0123abcd`)).status, `SMS from ${address}`).toBe(403)
    }
    expect(await attemptsOf(cart.cartId)).toBe(0)
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(0)

    for (const page of pages) expect((await fetch(`${backend.url}${page}`)).status, `GET ${page} from 127.0.0.1`).toBe(200)
    expect((await pressSandboxButton(backend.url, cart.paymentUrl, "pay")).status).toBe(303)
    expect(await waitForOrders(backend, cart.cartId)).toBe(1)
  })

  it("refuses a loopback caller that a proxy forwarded: the proxy's own address says nothing of the shopper", async () => {
    const cart = await createPayableCart(backend)
    const link = new URL(cart.paymentUrl)
    const page = await fetch(`${backend.url}${link.pathname}${link.search}`, { headers: { "x-forwarded-for": "203.0.113.9" } })
    expect(page.status).toBe(403)
    const pressed = await fetch(`${backend.url}${link.pathname}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", forwarded: "for=203.0.113.9" },
      body: new URLSearchParams({ ...Object.fromEntries(link.searchParams), choice: "pay" }).toString(),
      redirect: "manual",
    })
    expect(pressed.status).toBe(403)
    expect(await attemptsOf(cart.cartId)).toBe(0)
  })
})
