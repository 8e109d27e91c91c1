import { execFile, spawn, type ChildProcess } from "node:child_process"
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { promisify } from "node:util"
import { afterAll, describe, expect, it } from "vitest"
import pg from "pg"
import { freePort, quoteIdent } from "../scripts/lib/postgres.mjs"
import { projectDir, waitForHealth } from "../scripts/lib/medusa.mjs"
import { storeClient } from "../scripts/lib/storefront.mjs"
import { cloneTemplateDatabase, dropDatabase } from "./harness/backend"
import { pressSandboxButton } from "./harness/storefront"
import { provideInstalledPackages } from "./harness/installed-packages"
import { storefrontPublishableKey } from "./harness/medusa-process"
import { testEnv } from "./harness/test-env"

const run = promisify(execFile)
const medusaVersion = JSON.parse(readFileSync(path.join(projectDir, "package.json"), "utf8")).devDependencies["@medusajs/medusa"]
/** The triggers through which the database refuses a second order for a cart paid with Click. */
const ONE_ORDER_TRIGGERS = ["click_one_order_per_cart", "click_one_order_per_payment_collection"]

/** What the tests' fault injection into Click's Merchant API double is made of (tests/harness/merchant-api-faults.ts). */
const FAULT_INJECTION = /injectFault|clearFaults|heldRequests|lost_answer|http_answer|Injected fault|__double\/faults|merchant-api-faults/

/** The README's "Use it in your Medusa backend": its install command and its medusa-config block. */
function readmeInstall() {
  const readme = readFileSync(path.join(projectDir, "README.md"), "utf8")
  const section = readme.slice(readme.indexOf("## Use it in your Medusa backend"), readme.indexOf("### Provider options"))
  const blocks = [...section.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2] }))
  return {
    install: blocks.find((b) => b.lang === "sh")!.code.trim(),
    config: blocks.find((b) => b.lang === "ts")!.code,
    migrate: /`(npx medusa db:migrate)`/.exec(section)![1],
  }
}

/**
 * The plugin as a merchant gets it: built (`medusa plugin:build`), packed
 * (`npm pack`), installed into a Medusa backend in a private temporary folder,
 * registered with the README's own medusa-config block, migrated, started, and
 * paid through the sandbox.
 */
describe("the packed plugin in a fresh Medusa backend", () => {
  const work = mkdtempSync(path.join(os.tmpdir(), "click-package-"))
  chmodSync(work, 0o700)
  let database: string | undefined
  let shop: ChildProcess | undefined
  afterAll(async () => {
    // npx's child is Medusa: the whole process group goes, or Medusa outlives the test.
    if (shop?.pid) {
      try {
        process.kill(-shop.pid, "SIGKILL")
      } catch {
        // already gone
      }
    }
    if (database) await dropDatabase(database)
    rmSync(work, { recursive: true, force: true })
  })

  it("installs from the tarball, registers as the README says, migrates, starts and takes a sandbox payment", async () => {
    // 1. Build and pack a copy of this repository (the working tree: what would be published).
    const source = path.join(work, "plugin")
    cpSync(projectDir, source, {
      recursive: true,
      filter: (from) => !/\/(node_modules|\.data|\.medusa|\.git|bench-results)(\/|$)/.test(from.slice(projectDir.length)),
    })
    symlinkSync(path.join(projectDir, "node_modules"), path.join(source, "node_modules"))
    await run("npx", ["medusa", "plugin:build"], { cwd: source, env: process.env, maxBuffer: 64 << 20 })
    const packed = JSON.parse((await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: source })).stdout)
    const tarball = path.join(work, packed[0].filename)
    expect(packed[0].files.map((f: { path: string }) => f.path)).toContain(".medusa/server/src/providers/click/index.js")

    // 2. A fresh Medusa backend that installs it with the README's command.
    const readme = readmeInstall()
    expect(readme.install).toBe("npm install medusa-payment-click")
    const app = path.join(work, "shop")
    mkdirSync(app)
    writeFileSync(
      path.join(app, "package.json"),
      JSON.stringify(
        {
          name: "click-shop",
          private: true,
          dependencies: {
            "@medusajs/cli": medusaVersion,
            "@medusajs/framework": medusaVersion,
            "@medusajs/medusa": medusaVersion,
          },
          devDependencies: { "@swc/core": "^1.13.5", "@types/node": "^20.19.0", "ts-node": "^10.9.2", typescript: "^5.9.3" },
          allowScripts: { "@swc/core": true, "msgpackr-extract": true, protobufjs: true, "@medusajs/telemetry": false },
        },
        null,
        2
      )
    )
    // A merchant installs the plugin into a backend whose Medusa is already installed: the
    // backend starts as this repository's lockfile and node_modules (the same Medusa version),
    // and `npm install` reconciles them with its package.json and adds the tarball.
    cpSync(path.join(projectDir, "package-lock.json"), path.join(app, "package-lock.json"))
    await provideInstalledPackages(app)
    const [command, verb, name] = readme.install.split(" ")
    expect(name).toBe(packed[0].name)
    await run(command, [verb, tarball, "--no-audit", "--no-fund", "--prefer-offline"], { cwd: app, maxBuffer: 64 << 20 })
    const installed = JSON.parse(readFileSync(path.join(app, "package.json"), "utf8"))
    expect(installed.dependencies[name]).toMatch(/^file:/)
    // What the merchant's backend does not depend on is gone: this repository's test tools were pruned.
    expect(readdirSync(path.join(app, "node_modules"))).not.toContain("vitest")
    // Only what production runs ships: the Merchant API double (sandbox mode) is in the package, the
    // tests' fault injection into it is not.
    const shipped = path.join(app, "node_modules", name, ".medusa")
    expect(existsSync(path.join(shipped, "server/src/sandbox/merchant-api-double.js"))).toBe(true)
    const withFaultInjection = readdirSync(shipped, { recursive: true, encoding: "utf8" })
      .map((file) => path.join(shipped, file))
      .filter((file) => statSync(file).isFile() && FAULT_INJECTION.test(readFileSync(file, "utf8")))
    expect(withFaultInjection).toEqual([])

    // 3. medusa-config.ts: the README's block; the test adds only what every backend has (imports, database, no dashboard build).
    writeFileSync(
      path.join(app, "medusa-config.ts"),
      [
        'import { defineConfig, loadEnv } from "@medusajs/framework/utils"',
        'loadEnv(process.env.NODE_ENV || "development", process.cwd())',
        readme.config.replace(
          "  // …",
          `  projectConfig: {
    databaseUrl: process.env.DATABASE_URL,
    http: { storeCors: "*", adminCors: "*", authCors: "*", jwtSecret: "test", cookieSecret: "test" },
  },
  admin: { disable: true },`
        ),
      ].join("\n")
    )
    writeFileSync(path.join(app, "tsconfig.json"), JSON.stringify({ compilerOptions: { module: "Node16", moduleResolution: "Node16", target: "ES2021", esModuleInterop: true, skipLibCheck: true } }))

    // 4. The merchant's backend before the plugin: Medusa migrated and a demo store seeded (a
    // clone of the run's template, less everything of the plugin's). The README's migrate
    // command must create the plugin's tables from the packed migrations.
    const created = await cloneTemplateDatabase()
    database = created.database
    const packedMigrations = readdirSync(path.join(app, "node_modules", name, ".medusa/server/src/modules/click/migrations"))
      .filter((file) => /^Migration\w+\.js$/.test(file))
      .map((file) => file.replace(/\.js$/, ""))
    expect(packedMigrations.length).toBeGreaterThan(0)
    const db = new pg.Client({ connectionString: created.databaseUrl })
    await db.connect()
    const publishableKey = await storefrontPublishableKey(db)
    const pluginState = async () =>
      (
        await db.query(
          `SELECT to_regclass('click_transaction') IS NOT NULL AS has_table,
                  (SELECT count(*)::int FROM mikro_orm_migrations WHERE name = ANY($1)) AS migrations,
                  (SELECT count(*)::int FROM pg_trigger WHERE tgname = ANY($2) AND NOT tgisinternal) AS one_order_triggers`,
          [packedMigrations, ONE_ORDER_TRIGGERS]
        )
      ).rows[0]
    const tables = await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND (tablename LIKE 'click\\_%' OR tablename = 'test_cart_stock')")
    await db.query(`DROP TABLE ${tables.rows.map((row) => quoteIdent(row.tablename)).join(", ")} CASCADE`)
    await db.query("DELETE FROM mikro_orm_migrations WHERE name = ANY($1)", [packedMigrations])
    // The database's refusal of a second order per Click cart comes from the packed migration script.
    await db.query("DROP TRIGGER IF EXISTS click_one_order_per_cart ON order_cart")
    await db.query("DROP TRIGGER IF EXISTS click_one_order_per_payment_collection ON order_payment_collection")
    await db.query("DELETE FROM script_migrations WHERE script_name LIKE 'click-one-order-per-cart%'")
    expect(await pluginState()).toEqual({ has_table: false, migrations: 0, one_order_triggers: 0 })

    const port = await freePort()
    const backendUrl = `http://127.0.0.1:${port}`
    const env = testEnv({
      DATABASE_URL: created.databaseUrl,
      PORT: String(port),
      BACKEND_URL: backendUrl,
      CLICK_SANDBOX: "true",
    })
    const medusa = (args: string[]) => run("npx", ["medusa", ...args], { cwd: app, env, maxBuffer: 64 << 20 })
    expect(readme.migrate).toBe("npx medusa db:migrate")
    try {
      await medusa(["db:migrate"])
      expect(await pluginState()).toEqual({
        has_table: true,
        migrations: packedMigrations.length,
        one_order_triggers: ONE_ORDER_TRIGGERS.length,
      })
    } finally {
      await db.end()
    }
    shop = spawn("npx", ["medusa", "start"], { cwd: app, env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
    let log = ""
    shop.stdout?.on("data", (chunk) => (log += chunk))
    shop.stderr?.on("data", (chunk) => (log += chunk))
    await waitForHealth(backendUrl, { timeoutMs: 120_000 }).catch((error) => {
      throw new Error(`${error.message}\n${log.slice(-4000)}`)
    })

    // 5. A storefront's cart, Pay on the sandbox's Click page, and the order the backend placed.
    const store = storeClient(backendUrl, publishableKey)
    const cart = await store.createPayableCart("pp_click_click", 1)
    expect(cart.paymentUrl.startsWith(`${backendUrl}/click-sandbox/pay?`)).toBe(true)
    const paid = await pressSandboxButton(backendUrl, cart.paymentUrl, "pay")
    expect(paid.status).toBe(303)
    let status: { status?: string } | undefined
    for (let i = 0; i < 60 && status?.status !== "paid"; i++) {
      status = await store.get(`/store/click/carts/${cart.cartId}`)
      if (status?.status !== "paid") await new Promise((resolve) => setTimeout(resolve, 250))
    }
    expect(status, log.slice(-4000)).toMatchObject({ status: "paid", order_id: expect.stringMatching(/^order_/) })
    // Installed from the tarball, not linked to this repository.
    expect(readdirSync(path.join(app, "node_modules", "medusa-payment-click"))).toEqual(expect.arrayContaining([".medusa", "package.json"]))
    expect(readdirSync(path.join(app, "node_modules", "medusa-payment-click"))).not.toContain("src")
  }, 900_000)
})
