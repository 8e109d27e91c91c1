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
 * (see medusa-process.ts) instead of migrating again, and the pool of shared
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
  const migrated = migrateAndSeed({ ...testEnv(), DATABASE_URL: withDatabase(serverUrl, template) }).then(() => {
    console.log(`template database migrated and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)
    return { serverUrl, template }
  })
  const pool = await startBackendPool(migrated)
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
