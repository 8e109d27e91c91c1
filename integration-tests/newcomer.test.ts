import { execFileSync, spawn } from "node:child_process"
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import pg from "pg"
import type { Browser } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { embeddedDataDir, freePort, isPortFree } from "../scripts/lib/postgres.mjs"
import { storeClient } from "../scripts/lib/storefront.mjs"
import { createClickCheckout } from "../src/storefront"
import { browserAvailable, launchBrowser, openPage, screenshot } from "./harness/browser"
import { killDevCommands, startDev, type DevCommand } from "./harness/dev-command"
import { provideInstalledPackages } from "./harness/installed-packages"
import { faultOrderInserts } from "./harness/faults"
import { pressSandboxButton } from "./harness/storefront"

/**
 * The README's two commands, run as a newcomer runs them: in a fresh copy of
 * this repository, in a folder only its owner can enter (mode 700, as
 * `mktemp -d` makes, and as a clone under /root is), whose path has a space.
 *
 * One `npm run dev` serves every check of it: what it prints, the seeded store,
 * a sandbox payment, a shopper and a merchant in a real Chromium (demo shop,
 * Click's sandbox pay page, the admin dashboard), Ctrl-C, and a second start on
 * the same data. Then `npm test` runs one integration file in the copy, not the
 * whole suite again. (npm run dev's other cases: dev-command.test.ts.)
 */
describe("a newcomer's private folder with a space in its path", () => {
  const privateRoot = mkdtempSync(path.join(os.tmpdir(), "click-newcomer-"))
  const checkout = path.join(privateRoot, "my shop")
  let pgPort: number
  let dev: DevCommand
  let base: string
  let databaseUrl: string
  let db: pg.Pool

  beforeAll(async () => {
    chmodSync(privateRoot, 0o700)
    expect(statSync(privateRoot).mode & 0o777).toBe(0o700)
    copyWorkingTree(checkout)
    // The README's `npm install`, on the packages this run already installed: the command
    // and its lifecycle run in this folder, without extracting 1 100 packages again
    // (the outer `npm ci` proved that, and extracting them costs a minute of CPU).
    await provideInstalledPackages(checkout)
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], checkout, 600_000)
    pgPort = await freePort()
    // The shell's variables only, as on a newcomer's machine, so the admin dashboard is on.
    // One setting more: the recovery job's retries wait an hour, so only the admin's Retry
    // (the last browser test) can place an order left without one.
    dev = await startDev(
      { EMBEDDED_POSTGRES_PORT: String(pgPort), CLICK_PLACEMENT_RETRY_BASE_SEC: "3600" },
      { cwd: checkout, bare: true }
    )
    expect(dev.ready, dev.output()).toBe(true)
    base = `http://localhost:${dev.port}`
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/medusa`
    db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
    // Ctrl-C stops this PostgreSQL under the pool: its idle clients are dropped, not the test.
    db.on("error", () => {})
  }, 900_000)

  afterAll(async () => {
    killDevCommands()
    await db?.end()
    // The embedded PostgreSQL data the copy kept outside its private folder.
    for (const name of ["postgres", "test-postgres"]) {
      const dataDir = embeddedDataDir(path.join(checkout, ".data"), name)
      if (!dataDir.startsWith(checkout)) rmSync(path.dirname(dataDir), { recursive: true, force: true })
    }
    rmSync(privateRoot, { recursive: true, force: true })
  })

  async function ordersOfCart(cartId: string) {
    const { rows } = await db.query(
      `SELECT o.id, o.display_id FROM order_cart oc JOIN "order" o ON o.id = oc.order_id
        WHERE oc.cart_id = $1 AND oc.deleted_at IS NULL`,
      [cartId]
    )
    return rows as Array<{ id: string; display_id: number }>
  }

  it("npm run dev starts on the embedded PostgreSQL and prints the Click URLs, the admin login and a working publishable key", async () => {
    const output = dev.output()
    expect(output).not.toMatch(/EACCES/)
    expect(output).toContain(`/hooks/click/prepare`)
    expect(output).toContain(`/hooks/click/complete`)
    expect(output).toMatch(/Admin login: admin@example\.com/)
    expect((await fetch(`${base}/health`)).status).toBe(200)
    const key = dev.publishableKey()!
    const regions = await (await fetch(`${base}/store/regions`, { headers: { "x-publishable-api-key": key } })).json()
    const region = regions.regions.find((r: { name: string }) => r.name === "Uzbekistan")
    expect(region.currency_code).toBe("uzs")
    const providers = await (
      await fetch(`${base}/store/payment-providers?region_id=${region.id}`, { headers: { "x-publishable-api-key": key } })
    ).json()
    expect(providers.payment_providers.map((p: { id: string }) => p.id)).toContain("pp_click_click")
  })

  it("a storefront on the package's checkout helper pays through the sandbox and sees its order", async () => {
    const key = dev.publishableKey()!
    const store = storeClient(dev.url, key)
    const { cartId } = await store.createPayableCart()
    const click = createClickCheckout({ backendUrl: dev.url, publishableKey: key })
    const { paymentUrl } = await click.startPayment(cartId)
    expect((await click.status(cartId)).status).toBe("awaiting_payment")
    // The shopper presses Pay on the sandbox's Click page.
    expect((await pressSandboxButton(dev.url, paymentUrl, "pay")).status).toBe(303)
    const payment = await click.waitForOrder(cartId, { timeoutMs: 30_000, intervalMs: 250 })
    expect(payment).toMatchObject({ status: "paid", order_id: expect.stringMatching(/^order_/) })
    expect(payment.order_display_id).toBeGreaterThan(0)
    expect(await ordersOfCart(cartId)).toHaveLength(1)
  })

  /**
   * A shopper and a merchant in a real browser, on that same npm run dev with its
   * defaults (sandbox on, admin dashboard on): the demo shop, Click's sandbox pay
   * page, the return page, and the admin dashboard.
   */
  describe.runIf(browserAvailable())("in a real browser", () => {
    let browser: Browser
    let paidOrderDisplayId: number
    let paidOrderId: string
    let adminPage: Awaited<ReturnType<typeof openPage>>
    beforeAll(async () => {
      browser = await launchBrowser()
    })
    afterAll(async () => {
      await browser?.close()
    })

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
      const clear = await faultOrderInserts({ db, databaseUrl }, { kind: "fail" })
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

  // A stop and a whole second start, beside the suite's other files on 2 cores: this case is
  // bounded by startDev's own wait for the start (it gives up and says so), not by the default
  // test timeout, which a loaded machine outlasts.
  it("Ctrl-C stops Medusa and the embedded PostgreSQL; the next npm run dev starts on the same data, seeded once", async () => {
    const key = dev.publishableKey()
    expect(await dev.stop()).toBe(true)
    expect(await isPortFree(dev.port)).toBe(true)
    expect(await isPortFree(pgPort)).toBe(true)

    // The dashboard is not what this start is about: off, to save its build.
    const second = await startDev({ EMBEDDED_POSTGRES_PORT: String(pgPort), MEDUSA_ADMIN: "false" }, { cwd: checkout, bare: true })
    expect(second.ready, second.output()).toBe(true)
    expect(second.publishableKey()).toBe(key)
    const { rows } = await db.query(`SELECT
      (SELECT count(*) FROM region WHERE name = 'Uzbekistan')::int AS regions,
      (SELECT count(*) FROM product WHERE handle = 'click-demo-tshirt')::int AS products,
      (SELECT count(*) FROM api_key WHERE title = 'Storefront')::int AS api_keys,
      (SELECT count(*) FROM shipping_option WHERE name = 'Standard delivery')::int AS shipping_options,
      (SELECT count(*) FROM stock_location WHERE name = 'Tashkent warehouse')::int AS stock_locations,
      (SELECT count(*) FROM "user" WHERE email = 'admin@example.com')::int AS users`)
    expect(rows[0]).toEqual({ regions: 1, products: 1, api_keys: 1, shipping_options: 1, stock_locations: 1, users: 1 })
    expect(await second.stop()).toBe(true)
  }, 420_000)

  it("npm test runs in the copy: its own embedded PostgreSQL and an integration file, without a template nobody asked for", async () => {
    const testDataDir = embeddedDataDir(path.join(checkout, ".data"), "test-postgres")
    expect(existsSync(path.join(testDataDir, "PG_VERSION"))).toBe(false)
    // A file that boots no backend: the run's PostgreSQL starts for this private folder, and the
    // template (migrated by a whole run, or for the first file that boots a backend) is not.
    const tested = await run("npm", ["test", "--", "integration-tests/certify-secret-key.test.ts"], checkout, 600_000)
    // eslint-disable-next-line no-control-regex
    const summary = tested.replace(/\x1b\[[0-9;]*m/g, "")
    expect(summary).toMatch(/Tests\s+4 passed \(4\)/)
    expect(existsSync(path.join(testDataDir, "PG_VERSION"))).toBe(true)
    expect(summary).not.toMatch(/template database migrated/)
  }, 600_000)
})

/** What a clone would hold: the tracked files, plus new ones not yet committed (never ignored ones). */
function copyWorkingTree(destination: string) {
  mkdirSync(destination, { recursive: true })
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: projectDir,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean)
  for (const file of files) {
    try {
      cpSync(path.join(projectDir, file), path.join(destination, file), { recursive: false })
    } catch (error) {
      // A tracked file deleted in the working tree is not in a clone's future either.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
    }
  }
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG, MEDUSA_DISABLE_TELEMETRY: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code} in ${cwd}:\n${output.slice(-4000)}`))
    })
  })
}
