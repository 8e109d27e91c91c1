import { rmSync } from "node:fs"
import path from "node:path"
import pg from "pg"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { storeClient } from "../scripts/lib/storefront.mjs"
import { cloneTemplateDatabase, dropDatabase } from "./harness/backend"
import { faultOrderInserts } from "./harness/faults"
import { pressSandboxButton } from "./harness/storefront"
import { browserAvailable, launchBrowser, openPage, screenshot } from "./harness/browser"
import { killDevCommands, startDev, type DevCommand } from "./harness/dev-command"

/**
 * A shopper and a merchant in a real Chromium, against `npm run dev` with its
 * defaults (sandbox on, admin dashboard on): the demo shop, Click's sandbox
 * pay page, the return page, and the admin dashboard.
 */
describe.runIf(browserAvailable())("in a real browser, on npm run dev", () => {
  const dataDir = path.join(projectDir, ".data", `test-browser-${process.pid}`)
  let dev: DevCommand
  let database: string
  let db: pg.Pool
  let browser: Browser
  let base: string
  let paidOrderDisplayId: number
  let paidOrderId: string
  let adminPage: Awaited<ReturnType<typeof openPage>>

  beforeAll(async () => {
    const clone = await cloneTemplateDatabase()
    database = clone.database
    db = new pg.Pool({ connectionString: clone.databaseUrl, max: 2 })
    // MEDUSA_ADMIN unset: the dashboard is on, as for a newcomer. The recovery
    // job's retries wait an hour, so only the admin's Retry can place a stuck order.
    dev = await startDev({
      DATA_DIR: dataDir,
      DATABASE_URL: clone.databaseUrl,
      MEDUSA_ADMIN: undefined,
      CLICK_PLACEMENT_RETRY_BASE_SEC: "3600",
    })
    expect(dev.ready, dev.output()).toBe(true)
    base = `http://localhost:${dev.port}`
    browser = await launchBrowser()
  }, 360_000)
  afterAll(async () => {
    await browser?.close()
    if (dev) await dev.stop()
    killDevCommands()
    await db?.end()
    if (database) await dropDatabase(database)
    rmSync(dataDir, { recursive: true, force: true })
  })

  async function ordersOfCart(cartId: string) {
    const { rows } = await db.query(
      `SELECT o.id, o.display_id FROM order_cart oc JOIN "order" o ON o.id = oc.order_id
        WHERE oc.cart_id = $1 AND oc.deleted_at IS NULL`,
      [cartId]
    )
    return rows as Array<{ id: string; display_id: number }>
  }

  it("demo shop → Click's pay page → Pay → the order confirmation, with exactly one order", async () => {
    const page = await openPage(browser)
    await page.goto(`${base}/click-sandbox/shop`)
    await page.locator("button[data-handle=click-demo-tshirt]").waitFor()
    await screenshot(page, "demo-shop")
    await page.locator("button[data-handle=click-demo-tshirt]").click()

    await page.waitForURL(/\/click-sandbox\/pay\?/)
    const cartId = await page.getByTestId("cart-id").textContent()
    expect(cartId).toMatch(/^cart_/)
    // 38 400 UZS T-shirt + 20 000 UZS delivery.
    await expect.poll(() => page.getByTestId("amount").textContent()).toBe("58400.00 UZS")
    await screenshot(page, "sandbox-pay-page")
    await page.getByRole("button", { name: "Pay", exact: true }).click()

    await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
    const status = page.getByTestId("payment-status")
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Order #\d+ placed$/)
    await screenshot(page, "order-confirmation")

    const orders = await ordersOfCart(cartId!)
    expect(orders).toHaveLength(1)
    expect(await status.textContent()).toBe(`Order #${orders[0].display_id} placed`)
    paidOrderDisplayId = orders[0].display_id
    paidOrderId = orders[0].id
    expect(page.errors).toEqual([])
  })

  it("Decline → 'Payment cancelled — try again' and no order → Try again → Pay → exactly one order", async () => {
    const page = await openPage(browser)
    await page.goto(`${base}/click-sandbox/shop`)
    await page.locator("button[data-handle=click-demo-tshirt]").click()
    await page.waitForURL(/\/click-sandbox\/pay\?/)
    const cartId = (await page.getByTestId("cart-id").textContent())!
    await page.getByRole("button", { name: "Decline" }).click()

    await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
    const status = page.getByTestId("payment-status")
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toBe("Payment cancelled — try again")
    await screenshot(page, "payment-cancelled")
    expect(await ordersOfCart(cartId)).toHaveLength(0)

    await page.getByTestId("pay-again").click()
    await page.waitForURL(/\/click-sandbox\/pay\?/)
    expect(await page.getByTestId("cart-id").textContent()).toBe(cartId)
    await page.getByRole("button", { name: "Pay", exact: true }).click()
    await page.waitForURL(/\/click-sandbox\/shop\/return\?cart_id=/)
    await expect.poll(() => status.textContent(), { timeout: 30_000 }).toMatch(/^Order #\d+ placed$/)
    expect(await ordersOfCart(cartId)).toHaveLength(1)
    const { rows } = await db.query(
      "SELECT state FROM click_transaction WHERE merchant_trans_id = $1 ORDER BY created_at",
      [cartId]
    )
    expect(rows.map((r) => r.state)).toEqual(["cancelled", "placed"])
    expect(page.errors).toEqual([])
  })

  it("the admin dashboard logs in with the printed login and shows the order paid with Click", async () => {
    expect(paidOrderDisplayId).toBeGreaterThan(0)
    const login = dev.adminLogin()!
    expect(login.email).toBe("admin@example.com")
    const page = (adminPage = await openPage(browser))
    // The first page load compiles the dashboard (Vite), which takes a while.
    await page.goto(`${base}/app`, { timeout: 180_000 })
    await page.locator("input[name=email]").waitFor({ timeout: 180_000 })
    await page.fill("input[name=email]", login.email)
    await page.fill("input[name=password]", login.password)
    await page.click("button[type=submit]")
    await page.waitForURL(/\/app\/orders/, { timeout: 60_000 })
    const row = page.getByRole("row").filter({ hasText: `#${paidOrderDisplayId}` })
    await row.waitFor({ timeout: 60_000 })
    expect(await row.textContent()).toMatch(/Captured/)
    await screenshot(page, "admin-orders")
  }, 300_000)

  it("the order page shows the Click widget: ids, amount, state and Click's callbacks", async () => {
    const page = adminPage
    await page.goto(`${base}/app/orders/${paidOrderId}`)
    const widget = page.getByTestId("click-order-widget")
    await widget.waitFor({ timeout: 60_000 })
    expect(await widget.getByTestId("click-state").textContent()).toBe("placed")
    const timeline = await widget.getByTestId("click-timeline").textContent()
    expect(timeline).toContain("Click prepare → answered error 0")
    expect(timeline).toContain("Click complete → answered error 0")
    expect(timeline).toContain("confirmed → placed")
    expect(await widget.textContent()).toContain("58400.00 UZS")
    await widget.scrollIntoViewIfNeeded()
    await screenshot(page, "admin-order-click-widget")
    expect(page.errors).toEqual([])
  }, 120_000)

  it("the Click payments page puts a payment left without an order first; filtered by state, Retry places its order", async () => {
    const store = storeClient(dev.url, dev.publishableKey()!)
    const clear = await faultOrderInserts({ db }, { kind: "fail" })
    let cartId: string
    try {
      const cart = await store.createPayableCart()
      cartId = cart.cartId
      expect((await pressSandboxButton(dev.url, cart.paymentUrl, "pay")).status).toBe(303)
      await expect
        .poll(
          async () =>
            (await db.query("SELECT last_error FROM click_transaction WHERE merchant_trans_id = $1", [cartId])).rows[0]
              ?.last_error,
          { timeout: 20_000 }
        )
        .toMatch(/injected fault/)
    } finally {
      await clear()
    }
    const { rows } = await db.query("SELECT id, state FROM click_transaction WHERE merchant_trans_id = $1", [cartId!])
    expect(rows[0].state).toBe("confirmed")
    expect(await ordersOfCart(cartId!)).toHaveLength(0)

    const page = adminPage
    await page.goto(`${base}/app`)
    await page.getByRole("link", { name: "Click payments" }).click()
    await page.waitForURL(/\/app\/click-payments/)
    const attention = page.getByTestId("click-needs-attention")
    await attention.locator(`[data-transaction-id="${rows[0].id}"]`).waitFor({ timeout: 30_000 })
    await page.getByTestId("click-state-filter").click()
    await page.getByRole("option", { name: "confirmed", exact: true }).click()
    // The full list is the page's last table (the first is "Needs attention").
    const list = page.locator("table").last()
    await expect
      .poll(async () => {
        const states = await list.getByTestId("click-state").allTextContents()
        return states.length > 0 && states.every((state) => state === "confirmed")
      })
      .toBe(true)
    await screenshot(page, "admin-click-payments")

    const row = list.locator(`[data-transaction-id="${rows[0].id}"]`)
    await row.getByRole("button", { name: "Retry" }).click()
    await expect
      .poll(async () => (await db.query("SELECT state FROM click_transaction WHERE id = $1", [rows[0].id])).rows[0].state, {
        timeout: 30_000,
      })
      .toBe("placed")
    expect(await ordersOfCart(cartId!)).toHaveLength(1)
    expect(page.errors).toEqual([])
  }, 180_000)
})
