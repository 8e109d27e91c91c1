import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import net from "node:net"
import path from "node:path"
import pg from "pg"
import { afterAll, describe, expect, inject, it } from "vitest"
import { embeddedDataDir, freePort, isPortFree, withDatabase } from "../scripts/lib/postgres.mjs"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { killDevCommands, startDev as startDevCommand } from "./harness/dev-command"

/** `npm run dev` as a newcomer runs it: the README's command, a real process, real output. */
describe("npm run dev", () => {
  const dataDir = path.join(projectDir, ".data", `test-dev-${process.pid}`)
  afterAll(() => {
    killDevCommands()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const startDev = (env: Record<string, string>) => startDevCommand({ DATA_DIR: dataDir, ...env })

  it("starts on the embedded PostgreSQL, seeds the UZS store once, stops cleanly and starts again on the same data", async () => {
    const pgPort = await freePort()
    const first = await startDev({ EMBEDDED_POSTGRES_PORT: String(pgPort) })
    expect(first.ready, first.output()).toBe(true)
    const base = `http://127.0.0.1:${first.port}`
    expect(first.output()).toContain(`/hooks/click/prepare`)
    expect(first.output()).toContain(`/hooks/click/complete`)
    expect(first.output()).toMatch(/Admin login: admin@example\.com/)
    expect((await fetch(`${base}/health`)).status).toBe(200)
    const key = first.publishableKey()!
    const regions = await (await fetch(`${base}/store/regions`, { headers: { "x-publishable-api-key": key } })).json()
    const region = regions.regions.find((r: { name: string }) => r.name === "Uzbekistan")
    expect(region.currency_code).toBe("uzs")
    const providers = await (
      await fetch(`${base}/store/payment-providers?region_id=${region.id}`, { headers: { "x-publishable-api-key": key } })
    ).json()
    expect(providers.payment_providers.map((p: { id: string }) => p.id)).toContain("pp_click_click")

    expect(await first.stop()).toBe(true)
    expect(await isPortFree(first.port)).toBe(true)
    expect(await isPortFree(pgPort)).toBe(true)

    const second = await startDev({ EMBEDDED_POSTGRES_PORT: String(pgPort) })
    expect(second.ready, second.output()).toBe(true)
    expect(second.publishableKey()).toBe(key)
    const db = new pg.Client({ connectionString: `postgres://postgres:postgres@127.0.0.1:${pgPort}/medusa` })
    await db.connect()
    const counts = await db.query(`SELECT
      (SELECT count(*) FROM region WHERE name = 'Uzbekistan')::int AS regions,
      (SELECT count(*) FROM product WHERE handle = 'click-demo-tshirt')::int AS products,
      (SELECT count(*) FROM api_key WHERE title = 'Storefront')::int AS api_keys,
      (SELECT count(*) FROM shipping_option WHERE name = 'Standard delivery')::int AS shipping_options,
      (SELECT count(*) FROM stock_location WHERE name = 'Tashkent warehouse')::int AS stock_locations,
      (SELECT count(*) FROM "user" WHERE email = 'admin@example.com')::int AS users`)
    await db.end()
    expect(counts.rows[0]).toEqual({ regions: 1, products: 1, api_keys: 1, shipping_options: 1, stock_locations: 1, users: 1 })
    expect(await second.stop()).toBe(true)
  })

  it("uses an external PostgreSQL named by DATABASE_URL, creating the database if missing", async () => {
    const databaseUrl = withDatabase(inject("databaseServerUrl"), `click_test_dev_${process.pid}`)
    const dev = await startDev({ DATABASE_URL: databaseUrl })
    expect(dev.ready, dev.output()).toBe(true)
    expect(dev.output()).toContain("Using the PostgreSQL database from DATABASE_URL")
    expect(dev.output()).not.toContain("embedded PostgreSQL")
    expect(await dev.stop()).toBe(true)
  })

  it("ends with one clear sentence when the database is unreachable or the port is taken", async () => {
    const unreachable = await startDev({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/medusa" })
    expect(unreachable.ready).toBe(false)
    expect(await unreachable.exited).toBe(1)
    expect(unreachable.output()).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1 .*: start that server or fix DATABASE_URL\./)
    expect(unreachable.output()).not.toMatch(/\n\s+at /)

    const blocker = net.createServer().listen(0, "0.0.0.0")
    await new Promise((resolve) => blocker.once("listening", resolve))
    const busyPort = (blocker.address() as net.AddressInfo).port
    const busy = await startDev({ PORT: String(busyPort), DATABASE_URL: "postgres://postgres@127.0.0.1:1/medusa" })
    blocker.close()
    expect(await busy.exited).toBe(1)
    expect(busy.output()).toContain(`Port ${busyPort} is already in use`)

    const corruptRoot = `${dataDir}-corrupt`
    // Where dev keeps that data: under /var/lib when the project folder is private.
    const corruptData = embeddedDataDir(corruptRoot, "postgres")
    mkdirSync(corruptData, { recursive: true })
    writeFileSync(path.join(corruptData, "not-a-cluster"), "garbage")
    const corrupt = await startDev({ DATA_DIR: corruptRoot, EMBEDDED_POSTGRES_PORT: String(await freePort()) })
    rmSync(corruptRoot, { recursive: true, force: true })
    rmSync(corruptData, { recursive: true, force: true })
    expect(await corrupt.exited).toBe(1)
    expect(corrupt.output()).toMatch(/data folder .* could not be started .*: delete that folder/)
  })
})
