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
  await migrateAndSeed({ ...testEnv(), DATABASE_URL: withDatabase(serverUrl, template) })
  console.log(`template database migrated and seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`)

  project.provide("databaseServerUrl", serverUrl)
  project.provide("templateDatabase", template)

  return async () => {
    await dropDatabasesNamed(serverUrl, "click_test_").catch(() => {})
    await server.stop()
  }
}
