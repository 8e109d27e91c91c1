import { once } from "node:events"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import pg from "pg"
import { emptyCartStock } from "./cart-stock"
import { testEnv } from "./test-env"
import {
  cloneTemplate,
  dropDatabaseOn,
  startMedusaProcess,
  storefrontPublishableKey,
  type DatabaseServer,
  type MedusaProcess,
} from "./medusa-process"

/**
 * Backends shared by several test files: booted once per run, on first use,
 * by the run's main process, and stopped at its end. A test worker asks for a
 * profile by name over loopback HTTP (harness/backend.ts: sharedBackend) and
 * gets its URL and database. Files that share a profile create their own carts
 * and scope every assertion to them.
 */
export const sharedProfiles = {
  /**
   * The plugin as a merchant runs it, mid-way through a key rotation (a retired
   * key still accepted until tomorrow), logging at info, with no cap on stored
   * rejected callbacks (the cap has its own backend: request-guard.test.ts).
   */
  default: {
    LOG_LEVEL: "info",
    CLICK_PREVIOUS_SECRET_KEY: "retired-secret-2025",
    CLICK_PREVIOUS_SECRET_KEY_UNTIL: new Date(Date.now() + 86_400_000).toISOString(),
    CLICK_UNSIGNED_CALLBACKS_PER_MIN: "0",
  },
  /**
   * Sandbox mode: Click's pay page and Merchant API, played by the backend
   * itself, logging at info (a browser adds a card here: its log is scanned for it).
   */
  sandbox: { LOG_LEVEL: "info", CLICK_SANDBOX: "true", CLICK_PAY_URL: "" },
} satisfies Record<string, Record<string, string>>

export type SharedProfile = keyof typeof sharedProfiles

export interface SharedBackendInfo {
  url: string
  databaseUrl: string
  publishableKey: string
  logFile: string
}

/**
 * The pool: GET /template answers the migrated template's server and name once
 * it is ready; GET /profiles/<name> the shared backend of that profile.
 */
export async function startBackendPool(
  template: () => Promise<DatabaseServer>
): Promise<{ url: string; stop(): Promise<void> }> {
  const booted = new Map<string, Promise<SharedBackendInfo & { medusa: MedusaProcess; database: string }>>()

  async function boot(profile: SharedProfile) {
    const { database, databaseUrl } = await cloneTemplate(await template())
    const env = testEnv({ DATABASE_URL: databaseUrl, ...sharedProfiles[profile] })
    const medusa = await startMedusaProcess(env, `shared-${profile}-${database}`)
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    const publishableKey = await storefrontPublishableKey(client)
    if (env.CLICK_SANDBOX === "true") await emptyCartStock(client)
    await client.end()
    return { url: medusa.url, databaseUrl, publishableKey, logFile: medusa.logFile, medusa, database }
  }

  const http = createServer(async (request, response) => {
    if (request.url === "/template") {
      try {
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(await template()))
      } catch (error) {
        response.writeHead(500).end(`the template database was not migrated: ${(error as Error).message}`)
      }
      return
    }
    const profile = /^\/profiles\/(\w+)$/.exec(request.url ?? "")?.[1] as SharedProfile | undefined
    if (!profile || !(profile in sharedProfiles)) {
      response.writeHead(404).end(`no shared profile ${request.url}; known: ${Object.keys(sharedProfiles).join(", ")}`)
      return
    }
    if (!booted.has(profile)) booted.set(profile, boot(profile))
    try {
      const { medusa: _medusa, database: _database, ...info } = await booted.get(profile)!
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(info))
    } catch (error) {
      response.writeHead(500).end(`shared profile ${profile} did not boot: ${(error as Error).message}`)
    }
  })
  // A boot can take minutes on a busy machine: no request or header timeout here.
  http.requestTimeout = 0
  http.headersTimeout = 0
  http.listen(0, "127.0.0.1")
  await once(http, "listening")

  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async stop() {
      http.close()
      await Promise.all(
        [...booted.values()].map(async (pending) => {
          const backend = await pending.catch(() => null)
          if (!backend) return
          await backend.medusa.stop()
          await dropDatabaseOn((await template()).serverUrl, backend.database)
        })
      )
    },
  }
}
