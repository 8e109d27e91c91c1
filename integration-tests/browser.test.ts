import { rmSync } from "node:fs"
import path from "node:path"
import pg from "pg"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { cloneTemplateDatabase, dropDatabase } from "./harness/backend"
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

  beforeAll(async () => {
    const clone = await cloneTemplateDatabase()
    database = clone.database
    db = new pg.Pool({ connectionString: clone.databaseUrl, max: 2 })
    // MEDUSA_ADMIN unset: the dashboard is on, as for a newcomer.
    dev = await startDev({ DATA_DIR: dataDir, DATABASE_URL: clone.databaseUrl, MEDUSA_ADMIN: undefined })
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
    const page = await openPage(browser)
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
})
