#!/usr/bin/env node
// `npm run dev`: a database (embedded PostgreSQL unless DATABASE_URL is set),
// migrations, the demo seed, then Medusa in watch mode on PORT.
import { existsSync } from "node:fs"
import path from "node:path"
import {
  FriendlyError,
  ensureDatabase,
  isPortFree,
  splitDatabaseUrl,
  startPostgresServer,
  withDatabase,
} from "./lib/postgres.mjs"
import { migrateAndSeed, projectDir, spawnMedusa, waitForHealth } from "./lib/medusa.mjs"
import { refuseWatchedOutputFile } from "./lib/dev-output.mjs"
import { applySandboxDefaults } from "./lib/sandbox-defaults.mjs"

const envFile = path.join(projectDir, ".env")
if (existsSync(envFile)) process.loadEnvFile(envFile)

const env = { ...process.env }
const dataRoot = path.resolve(projectDir, env.DATA_DIR || ".data")
const port = Number(env.PORT || 9000)
const baseUrl = (env.BACKEND_URL || `http://localhost:${port}`).replace(/\/$/, "")
let stopPostgres = async () => {}

async function main() {
  refuseWatchedOutputFile(projectDir)
  if (!(await isPortFree(port, "0.0.0.0"))) {
    throw new FriendlyError(`Port ${port} is already in use: stop what uses it or set PORT to a free port.`)
  }
  for (const line of await applySandboxDefaults(env, { dataRoot, projectDir })) console.log(line)

  const server = await startPostgresServer({
    externalUrl: env.DATABASE_URL,
    dataRoot,
    dataName: "postgres",
    port: Number(env.EMBEDDED_POSTGRES_PORT || 54329),
    onEmbeddedStart: ({ dataDir, port: pgPort }) =>
      console.log(`Starting the embedded PostgreSQL on port ${pgPort} (data in ${path.relative(projectDir, dataDir) || dataDir}).`),
  })
  stopPostgres = server.stop
  if (server.embedded) {
    await ensureDatabase(server.serverUrl, "medusa")
    env.DATABASE_URL = withDatabase(server.serverUrl, "medusa")
  } else {
    const { database } = splitDatabaseUrl(env.DATABASE_URL)
    await ensureDatabase(server.serverUrl, database)
    console.log(`Using the PostgreSQL database from DATABASE_URL (${database}).`)
  }

  console.log("Running migrations and seeding the demo store…")
  const seed = await migrateAndSeed(env)

  const medusa = spawnMedusa(["develop"], { ...env, PORT: String(port) })
  const shutdown = async (code = 0) => {
    medusa.kill("SIGTERM")
    await new Promise((resolve) => (medusa.exitCode !== null ? resolve() : medusa.once("exit", resolve)))
    await stopPostgres()
    process.exit(code)
  }
  process.on("SIGINT", () => shutdown(0))
  process.on("SIGTERM", () => shutdown(0))
  medusa.on("exit", (code) => {
    if (code !== null && code !== 0) {
      console.error(`Medusa stopped with exit code ${code}.`)
      stopPostgres().finally(() => process.exit(code))
    }
  })

  await waitForHealth(baseUrl, { child: medusa, timeoutMs: 180_000 })
  console.log("")
  console.log(`Medusa is running at ${baseUrl}`)
  console.log(`Publishable key: ${seed.publishable_key}`)
  if (env.MEDUSA_ADMIN !== "false") console.log(`Admin dashboard: ${baseUrl}/app`)
  console.log(`Admin login: ${seed.admin_email} / ${env.ADMIN_PASSWORD ? "(ADMIN_PASSWORD)" : "supersecret"}`)
  if (env.CLICK_SANDBOX === "true") console.log(`Demo shop (sandbox, pay with Click locally): ${baseUrl}/click-sandbox/shop`)
  console.log(`Click Prepare URL: ${baseUrl}/hooks/click/prepare`)
  console.log(`Click Complete URL: ${baseUrl}/hooks/click/complete`)
  console.log(`Region "Uzbekistan" payment providers: ${seed.payment_providers.join(", ")}`)
  console.log("Press Ctrl-C to stop.")
}

main().catch(async (error) => {
  await stopPostgres().catch(() => {})
  if (error instanceof FriendlyError) {
    console.error(error.message)
  } else {
    console.error(`npm run dev failed: ${error.message}`)
    if (error.output) console.error(String(error.output).split("\n").slice(-20).join("\n"))
  }
  process.exit(1)
})
