import path from "node:path"
import type { TestProject } from "vitest/node"
import {
  dropDatabasesNamed,
  quoteIdent,
  startPostgresServer,
  withDatabase,
  withServer,
} from "../../scripts/lib/postgres.mjs"
import { migrateAndSeed, projectDir } from "../../scripts/lib/medusa.mjs"
import { fillCartStock, STOCKED_CARTS } from "./cart-stock"
import type { DatabaseServer } from "./medusa-process"
import { startBackendPool } from "./shared-backends"
import { testEnv } from "./test-env"

declare module "vitest" {
  export interface ProvidedContext {
    databaseServerUrl: string
    backendPoolUrl: string
  }
}

/**
 * The template's migration and cart stock run before the processes of the
 * first files (installs and builds that need no backend of the run): every
 * other file waits for the template. A nice value below 0 takes effect only
 * as root (as in CI); elsewhere they share the CPU evenly.
 */
const TEMPLATE_PRIORITY = -5

interface Run {
  serverUrl: string
  poolUrl: string
  stop(): Promise<void>
}

/**
 * One PostgreSQL for the whole run (embedded unless TEST_DATABASE_URL names a
 * server), one migrated and seeded template database that each backend clones
 * (see medusa-process.ts) instead of migrating again, stocked with payable
 * carts when first asked for (cart-stock.ts), and the pool of shared
 * backends (shared-backends.ts), which also hands out the template.
 */
async function startRun(): Promise<Run> {
  const server = await startPostgresServer({
    externalUrl: process.env.TEST_DATABASE_URL,
    dataRoot: path.join(projectDir, ".data"),
    dataName: "test-postgres",
    // Throwaway data: no waiting for the disk at each commit. A machine that crashes mid-run
    // may leave the folder unusable; the harness then says which folder to delete.
    settings: { fsync: "off", synchronous_commit: "off", full_page_writes: "off" },
  })
  const serverUrl = server.serverUrl
  const template = `click_test_template_${process.pid}`
  await dropDatabasesNamed(serverUrl, "click_test_")
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(template)}`))
  const templateUrl = withDatabase(serverUrl, template)
  let migrated: Promise<DatabaseServer> | undefined
  const migratedTemplate = () =>
    (migrated ??= (async () => {
      const started = Date.now()
      await migrateAndSeed({ ...testEnv(), DATABASE_URL: templateUrl }, { priority: TEMPLATE_PRIORITY })
      console.log(`template database migrated and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
      return { serverUrl, template }
    })())
  // A whole run needs the template: it migrates while the install proofs, which need no
  // backend of the run, start. A run of chosen files (as the newcomer's nested npm test)
  // migrates it only if one of them asks for it.
  // The cart stock is filled with it, or for the first file that clones the template.
  let stocked: Promise<DatabaseServer> | undefined
  const stockedTemplate = () =>
    (stocked ??= migratedTemplate().then(async (server) => {
      const filling = Date.now()
      await fillCartStock(templateUrl, { priority: TEMPLATE_PRIORITY })
      console.log(`template database stocked with ${STOCKED_CARTS} payable carts in ${((Date.now() - filling) / 1000).toFixed(1)} s`)
      return server
    }))
  if (!filesChosenOnCommandLine()) stockedTemplate().catch(() => {})
  const pool = await startBackendPool(stockedTemplate)
  return {
    serverUrl,
    poolUrl: pool.url,
    async stop() {
      await migrated?.catch(() => {})
      await pool.stop()
      await dropDatabasesNamed(serverUrl, "click_test_").catch(() => {})
      await server.stop()
    },
  }
}

/** `vitest run <file>…`: positional arguments after the command name are file filters. */
function filesChosenOnCommandLine(): boolean {
  const args = process.argv.slice(2)
  const command = args[0] === "run" || args[0] === "watch" ? 1 : 0
  return args.slice(command).some((arg) => !arg.startsWith("-"))
}

// Every integration lane (a vitest project) runs this setup in the same main
// process; they share one run, which stops when the last lane is done.
const shared = globalThis as typeof globalThis & { clickTestRun?: { run: Promise<Run>; users: number } }

export default async function setup(project: TestProject) {
  shared.clickTestRun ??= { run: startRun(), users: 0 }
  shared.clickTestRun.users++
  const run = await shared.clickTestRun.run
  project.provide("databaseServerUrl", run.serverUrl)
  project.provide("backendPoolUrl", run.poolUrl)

  return async () => {
    const current = shared.clickTestRun
    if (!current || --current.users > 0) return
    shared.clickTestRun = undefined
    await run.stop()
  }
}
