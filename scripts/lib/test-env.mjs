import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"

// The Click merchant the tests and the bench play: the backend is configured
// with it and the client side signs with it.
export const clickMerchant = {
  serviceId: "12345",
  merchantId: "23456",
  merchantUserId: "34567",
  secretKey: "integration-test-secret",
}

/**
 * Medusa's telemetry reads its on/off switch from the user's config folder only,
 * not from MEDUSA_DISABLE_TELEMETRY: with it on, every Medusa process forks a
 * sender as it exits, once for each of the run's many backends. Test and
 * bench backends get a config folder of their own, with telemetry off.
 */
function telemetryOffConfigHome() {
  const home = path.join(fileURLToPath(new URL("../..", import.meta.url)), ".data", "medusa-config-home")
  const config = path.join(home, "medusa", "config.json")
  if (!existsSync(config)) {
    mkdirSync(path.dirname(config), { recursive: true })
    // Whole or not at all: a Medusa process reading it half-written would switch telemetry back on.
    writeFileSync(`${config}.${process.pid}`, JSON.stringify({ telemetry: { enabled: false } }))
    renameSync(`${config}.${process.pid}`, config)
  }
  return home
}

const exitWithStarter = fileURLToPath(new URL("./exit-with-starter.cjs", import.meta.url))

/**
 * Environment for a test or bench backend: only what we choose, nothing from the developer's shell.
 * Every Node process started with it (npm, Medusa and what they start) ends with the process that
 * called testEnv (exit-with-starter.cjs).
 */
export function testEnv(overrides = {}) {
  const inherited = Object.fromEntries(
    ["PATH", "HOME", "TMPDIR", "LANG"].map((key) => [key, process.env[key]])
  )
  return {
    ...inherited,
    // Quoted as NODE_OPTIONS reads a path with spaces.
    NODE_OPTIONS: `--require ${JSON.stringify(exitWithStarter)}`,
    CLICK_TEST_STARTER_PID: String(process.pid),
    NODE_ENV: "development",
    LOG_LEVEL: "warn",
    MEDUSA_DISABLE_TELEMETRY: "true",
    XDG_CONFIG_HOME: telemetryOffConfigHome(),
    CLICK_SERVICE_ID: clickMerchant.serviceId,
    CLICK_MERCHANT_ID: clickMerchant.merchantId,
    CLICK_MERCHANT_USER_ID: clickMerchant.merchantUserId,
    CLICK_SECRET_KEY: clickMerchant.secretKey,
    STORE_URL: "http://localhost:8000",
    // Set (even empty) so a developer's .env cannot switch these on behind the tests' back.
    REDIS_URL: "",
    CLICK_SANDBOX: "false",
    // Click's Merchant API, which the backend asks before it places an order: the test
    // run's double (integration-tests/harness/click-merchant-api.ts), never Click's own.
    // Sandbox mode plays it itself, in the backend (its pay page records its debits there).
    CLICK_MERCHANT_API_URL: overrides.CLICK_SANDBOX === "true" ? "" : (process.env.CLICK_TEST_MERCHANT_API_URL ?? ""),
    // `medusa start` would need a built dashboard; the browser tests use `npm run dev`.
    MEDUSA_ADMIN: "false",
    ...overrides,
  }
}
