import { createWriteStream, mkdirSync } from "node:fs"
import path from "node:path"
import type { ChildProcess } from "node:child_process"
import type pg from "pg"
import { freePort, quoteIdent, withDatabase, withServer } from "../../scripts/lib/postgres.mjs"
import { projectDir, spawnMedusa, waitForHealth } from "../../scripts/lib/medusa.mjs"

/**
 * Real `medusa start` processes on databases cloned from the run's migrated
 * template. No vitest imports: the run's main process (the shared backend pool)
 * and the test workers both use this.
 */

export interface DatabaseServer {
  serverUrl: string
  template: string
}

export interface MedusaProcess {
  url: string
  logFile: string
  /** SIGKILL, as a crash: nothing of the process runs afterwards. */
  kill(): Promise<void>
  /** SIGSTOP: the process freezes where it is, its connections open; SIGCONT (resume()) lets it go on. */
  pause(): void
  resume(): void
  stop(): Promise<void>
}

/** The seeded storefront's publishable key (the seed makes one, titled "Storefront"). */
export async function storefrontPublishableKey(db: pg.Pool | pg.Client): Promise<string> {
  const { rows } = await db.query("SELECT token FROM api_key WHERE type = 'publishable' AND title = 'Storefront' LIMIT 1")
  return rows[0].token
}

let databaseCounter = 0
const databaseName = (suffix = "") =>
  `click_test_${process.pid}_${++databaseCounter}_${Date.now().toString(36)}${suffix}`

/** A fresh database cloned from the run's migrated and seeded template. */
export async function cloneTemplate(server: DatabaseServer): Promise<{ database: string; databaseUrl: string }> {
  const database = databaseName()
  await withServer(server.serverUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdent(database)} TEMPLATE ${quoteIdent(server.template)}`)
  )
  return { database, databaseUrl: withDatabase(server.serverUrl, database) }
}

/** A fresh, empty database on the run's server (for a backend that migrates itself). */
export async function createEmpty(serverUrl: string): Promise<{ database: string; databaseUrl: string }> {
  const database = databaseName("_empty")
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(database)}`))
  return { database, databaseUrl: withDatabase(serverUrl, database) }
}

export async function dropDatabaseOn(serverUrl: string, database: string): Promise<void> {
  await withServer(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`)).catch(
    () => {}
  )
}

/** `medusa start` on a free port, logging to .data/test-logs/<logName>.log; resolves once /health answers. */
export async function startMedusaProcess(env: NodeJS.ProcessEnv, logName: string, options: { priority?: number } = {}): Promise<MedusaProcess> {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logsDir = path.join(projectDir, ".data", "test-logs")
  mkdirSync(logsDir, { recursive: true })
  const logFile = path.join(logsDir, `${logName}.log`)
  const log = createWriteStream(logFile)
  const child: ChildProcess = spawnMedusa(["start"], { ...env, PORT: String(port) }, ["ignore", "pipe", "pipe"], options)
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
  const gone = () => child.exitCode !== null || child.signalCode !== null
  return {
    url,
    logFile,
    async kill() {
      if (gone()) return
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGKILL")
      await exited
    },
    pause() {
      child.kill("SIGSTOP")
    },
    resume() {
      child.kill("SIGCONT")
    },
    async stop() {
      if (gone()) return
      // A frozen process must be able to hear SIGTERM.
      child.kill("SIGCONT")
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
