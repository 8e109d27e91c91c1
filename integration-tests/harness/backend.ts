import { readFileSync } from "node:fs"
import pg from "pg"
import supertest from "supertest"
import { inject } from "vitest"
import { recordingAnswers } from "./card-secrets"
import { emptyCartStock } from "./cart-stock"
import { testEnv } from "./test-env"
import {
  cloneTemplate,
  createEmpty,
  dropDatabaseOn,
  startMedusaProcess,
  storefrontPublishableKey,
  type DatabaseServer,
  type MedusaProcess,
} from "./medusa-process"
import type { SharedBackendInfo, SharedProfile } from "./shared-backends"

export interface Backend {
  url: string
  databaseUrl: string
  db: pg.Pool
  http: ReturnType<typeof supertest>
  publishableKey: string
  /** Everything the backend process printed. */
  readLog(): string
  /** The log files of every process the backend ran: the first, each restart and each sibling. */
  logFiles(): string[]
  /** Starts another Medusa process on the same database (for cross-process tests). */
  startSibling(options?: { env?: Record<string, string | undefined> }): Promise<{ url: string; logFile: string; stop(): Promise<void> }>
  /** Kills the main process with SIGKILL, as a crash would: nothing of it runs afterwards. */
  kill(): Promise<void>
  /** Freezes the main process with SIGSTOP (mid-work, its database connections open)... */
  pause(): void
  /** ...and lets it go on with SIGCONT. */
  resume(): void
  /** Starts the main process again on the same database and port-free URL (after kill()). */
  restart(): Promise<void>
  stop(): Promise<void>
}

/** The run's migrated and seeded template (the pool answers once the migration is done). */
async function migratedTemplate(): Promise<DatabaseServer> {
  const response = await fetch(`${inject("backendPoolUrl")}/template`)
  if (!response.ok) throw new Error(await response.text())
  return (await response.json()) as DatabaseServer
}

/** A fresh database cloned from the run's migrated and seeded template; returns its name and URL. */
export const cloneTemplateDatabase = async () => cloneTemplate(await migratedTemplate())

/** A fresh, empty database on the run's server (for a backend that migrates itself). */
export const createEmptyDatabase = () => createEmpty(inject("databaseServerUrl"))

export const dropDatabase = (database: string) => dropDatabaseOn(inject("databaseServerUrl"), database)

function databasePool(databaseUrl: string) {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 })
  // The fault tests terminate database connections; an idle client of this pool hit by
  // one is dropped and replaced by the pool, and must not crash the test worker.
  db.on("error", () => {})
  return db
}

/**
 * A backend of its own: a fresh database cloned from the migrated template and
 * a real Medusa process on it. For files that kill, restart or reconfigure
 * their backend, or fault its whole database.
 */
export async function startBackend(options: { env?: Record<string, string | undefined> } = {}): Promise<Backend> {
  const { database, databaseUrl } = await cloneTemplateDatabase()
  const env = testEnv({ DATABASE_URL: databaseUrl, ...options.env })
  const db = databasePool(databaseUrl)
  if (env.CLICK_SANDBOX === "true") await emptyCartStock(db)

  let first: MedusaProcess = await startMedusaProcess(env, database)
  let restarts = 0
  const siblings: Array<{ stop(): Promise<void> }> = []
  const logFiles = [first.logFile]
  const backend: Backend = {
    url: first.url,
    databaseUrl,
    db,
    http: recordingAnswers(supertest(first.url)),
    publishableKey: await storefrontPublishableKey(db),
    readLog: () => readFileSync(first.logFile, "utf8"),
    logFiles: () => [...logFiles],
    async startSibling(options = {}) {
      const sibling = await startMedusaProcess({ ...env, ...options.env }, `${database}_sibling${siblings.length + 1}`)
      siblings.push(sibling)
      logFiles.push(sibling.logFile)
      return sibling
    },
    async kill() {
      await first.kill()
    },
    pause: () => first.pause(),
    resume: () => first.resume(),
    async restart() {
      first = await startMedusaProcess(env, `${database}_restart${++restarts}`)
      logFiles.push(first.logFile)
      backend.url = first.url
      backend.http = recordingAnswers(supertest(first.url))
    },
    async stop() {
      await Promise.all([first, ...siblings].map((p) => p.stop()))
      await db.end()
      await dropDatabase(database)
    },
  }
  return backend
}

/**
 * The run's shared backend of `profile` (shared-backends.ts), booted by the
 * first file that asks. Other files use it at the same time: create your own
 * carts, scope every assertion to them, and never fault the whole database.
 * It cannot be killed, restarted or given siblings; stop() only lets go of it.
 */
export async function sharedBackend(profile: SharedProfile): Promise<Backend> {
  const response = await fetch(`${inject("backendPoolUrl")}/profiles/${profile}`)
  if (!response.ok) throw new Error(await response.text())
  const info = (await response.json()) as SharedBackendInfo
  const db = databasePool(info.databaseUrl)
  const owned = (what: string) => () => {
    throw new Error(`the shared "${profile}" backend cannot ${what}: use startBackend() for a backend of this file's own`)
  }
  return {
    url: info.url,
    databaseUrl: info.databaseUrl,
    db,
    http: recordingAnswers(supertest(info.url)),
    publishableKey: info.publishableKey,
    readLog: () => readFileSync(info.logFile, "utf8"),
    logFiles: () => [info.logFile],
    startSibling: owned("start siblings"),
    kill: owned("be killed"),
    pause: owned("be frozen"),
    resume: owned("be frozen"),
    restart: owned("be restarted"),
    async stop() {
      await db.end()
    },
  }
}
