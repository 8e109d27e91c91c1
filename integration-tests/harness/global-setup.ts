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
 * backends (shared-backends.ts), which also hands out the template. The
 * template is migrated while the first files run: those that need no backend
 * of the run (the install proofs) start at once.
 */
async function startRun(): Promise<Run> {
  const server = await startPostgresServer({
    externalUrl: process.env.TEST_DATABASE_URL,
    dataRoot: path.join(projectDir, ".data"),
    dataName: "test-postgres",
  })
  const serverUrl = server.serverUrl
  const template = `click_test_template_${process.pid}`
  await dropDatabasesNamed(serverUrl, "click_test_")
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(template)}`))
  const started = Date.now()
  const templateUrl = withDatabase(serverUrl, template)
  const migrated = migrateAndSeed({ ...testEnv(), DATABASE_URL: templateUrl }).then(() => {
    console.log(`template database migrated and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return { serverUrl, template }
  })
  // A failed migration is answered to every request for the template; it must not end the run's process.
  migrated.catch(() => {})
  // The cart stock is filled for the first file that clones the template: a run of
  // files that boot no backend of the run's (as the newcomer's nested npm test) never pays for it.
  let stocked: Promise<DatabaseServer> | undefined
  const stockedTemplate = () =>
    (stocked ??= migrated.then(async (server) => {
      const filling = Date.now()
      await fillCartStock(templateUrl)
      console.log(`template database stocked with ${STOCKED_CARTS} payable carts in ${((Date.now() - filling) / 1000).toFixed(1)} s`)
      return server
    }))
  const pool = await startBackendPool(stockedTemplate)
  return {
    serverUrl,
    poolUrl: pool.url,
    async stop() {
      await migrated.catch(() => {})
      await pool.stop()
      await dropDatabasesNamed(serverUrl, "click_test_").catch(() => {})
      await server.stop()
    },
  }
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
