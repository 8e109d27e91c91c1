import { createWriteStream, mkdirSync, readFileSync } from "node:fs"
import path from "node:path"
import type { ChildProcess } from "node:child_process"
import pg from "pg"
import supertest from "supertest"
import { inject } from "vitest"
import { freePort, quoteIdent, withDatabase, withServer } from "../../scripts/lib/postgres.mjs"
import { projectDir, spawnMedusa, waitForHealth } from "../../scripts/lib/medusa.mjs"
import { testEnv } from "./test-env"

export interface Backend {
  url: string
  databaseUrl: string
  db: pg.Pool
  http: ReturnType<typeof supertest>
  publishableKey: string
  /** Everything the backend process printed. */
  readLog(): string
  /** Starts another Medusa process on the same database (for cross-process tests). */
  startSibling(options?: { env?: Record<string, string | undefined> }): Promise<{ url: string; stop(): Promise<void> }>
  /** Kills the main process with SIGKILL, as a crash would: nothing of it runs afterwards. */
  kill(): Promise<void>
  /** Starts the main process again on the same database and port-free URL (after kill()). */
  restart(): Promise<void>
  stop(): Promise<void>
}

let databaseCounter = 0

/** A fresh database cloned from the run's migrated and seeded template; returns its name and URL. */
export async function cloneTemplateDatabase(): Promise<{ database: string; databaseUrl: string }> {
  const serverUrl = inject("databaseServerUrl")
  const database = `click_test_${process.pid}_${++databaseCounter}_${Date.now().toString(36)}`
  await withServer(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(inject("templateDatabase"))}`)
  )
  return { database, databaseUrl: withDatabase(serverUrl, database) }
}

/** A fresh, empty database on the run's server (for a backend that migrates itself). */
export async function createEmptyDatabase(): Promise<{ database: string; databaseUrl: string }> {
  const serverUrl = inject("databaseServerUrl")
  const database = `click_test_${process.pid}_${++databaseCounter}_${Date.now().toString(36)}_empty`
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(database)}`))
  return { database, databaseUrl: withDatabase(serverUrl, database) }
}

export async function dropDatabase(database: string): Promise<void> {
  await withServer(inject("databaseServerUrl"), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`)
  ).catch(() => {})
}

/** A fresh database cloned from the migrated template, and a real Medusa process on it. */
export async function startBackend(options: { env?: Record<string, string | undefined> } = {}): Promise<Backend> {
  const { database, databaseUrl } = await cloneTemplateDatabase()
  const env = testEnv({ DATABASE_URL: databaseUrl, ...options.env })

  let first = await startMedusaProcess(env, database)
  let restarts = 0
  const siblings: Array<{ stop(): Promise<void> }> = []
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  // The fault tests terminate database connections; an idle client of this pool hit by
  // one is dropped and replaced by the pool, and must not crash the test worker.
  db.on("error", () => {})
  const { rows } = await db.query(
    "SELECT token FROM api_key WHERE type = 'publishable' AND title = 'Storefront' LIMIT 1"
  )
  const backend: Backend = {
    url: first.url,
    databaseUrl,
    db,
    http: supertest(first.url),
    publishableKey: rows[0].token,
    readLog: () => readFileSync(first.logFile, "utf8"),
    async startSibling(options = {}) {
      const sibling = await startMedusaProcess({ ...env, ...options.env }, `${database}_sibling${siblings.length + 1}`)
      siblings.push(sibling)
      return sibling
    },
    async kill() {
      await first.kill()
    },
    async restart() {
      first = await startMedusaProcess(env, `${database}_restart${++restarts}`)
      backend.url = first.url
      backend.http = supertest(first.url)
    },
    async stop() {
      await Promise.all([first, ...siblings].map((p) => p.stop()))
      await db.end()
      await dropDatabase(database)
    },
  }
  return backend
}

async function startMedusaProcess(env: NodeJS.ProcessEnv, logName: string) {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logsDir = path.join(projectDir, ".data", "test-logs")
  mkdirSync(logsDir, { recursive: true })
  const logFile = path.join(logsDir, `${logName}.log`)
  const log = createWriteStream(logFile)
  const child: ChildProcess = spawnMedusa(["start"], { ...env, PORT: String(port) }, ["ignore", "pipe", "pipe"])
  // Both streams write to one file: neither may end it, the child's exit does.
  child.stdout?.pipe(log, { end: false })
  child.stderr?.pipe(log, { end: false })
  child.once("close", () => log.end())
  try {
    await waitForHealth(url, { child, timeoutMs: 120_000 })
  } catch (error) {
    child.kill("SIGKILL")
    throw new Error(`${(error as Error).message} (log: .data/test-logs/${logName}.log)`)
  }
  return {
    url,
    logFile,
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGKILL")
      await exited
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
