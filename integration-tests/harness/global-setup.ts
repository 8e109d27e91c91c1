import path from "node:path"
import type { TestProject } from "vitest/node"
import {
  embeddedDataDir,
  freePort,
  quoteIdent,
  startEmbeddedPostgres,
  withDatabase,
  withServer,
} from "../../scripts/lib/postgres.mjs"
import { migrateAndSeed, projectDir } from "../../scripts/lib/medusa.mjs"
import { testEnv } from "./test-env"

declare module "vitest" {
  export interface ProvidedContext {
    databaseServerUrl: string
    templateDatabase: string
  }
}

/**
 * One PostgreSQL for the whole run (embedded unless TEST_DATABASE_URL names a
 * server), one migrated and seeded template database, and each test file
 * clones it (see backend.ts) instead of migrating again.
 */
export default async function setup(project: TestProject) {
  let stopPostgres = async () => {}
  let serverUrl = process.env.TEST_DATABASE_URL
  if (!serverUrl) {
    const postgres = await startEmbeddedPostgres({
      dataDir: embeddedDataDir(path.join(projectDir, ".data"), "test-postgres"),
      port: await freePort(),
    })
    stopPostgres = postgres.stop
    serverUrl = withDatabase(postgres.url, "postgres")
  }
  const template = `click_test_template_${process.pid}`
  await withServer(serverUrl, async (client) => {
    const { rows } = await client.query(
      "SELECT datname FROM pg_database WHERE datname LIKE 'click\\_test\\_%'"
    )
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`)
    }
    await client.query(`CREATE DATABASE ${quoteIdent(template)}`)
  })
  const started = Date.now()
  await migrateAndSeed({ ...testEnv(), DATABASE_URL: withDatabase(serverUrl, template) })
  console.log(`template database migrated and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  project.provide("databaseServerUrl", serverUrl)
  project.provide("templateDatabase", template)

  return async () => {
    await withServer(serverUrl!, async (client) => {
      const { rows } = await client.query(
        "SELECT datname FROM pg_database WHERE datname LIKE 'click\\_test\\_%'"
      )
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`)
      }
    }).catch(() => {})
    await stopPostgres()
  }
}
