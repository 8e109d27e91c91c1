import { execFileSync, spawn } from "node:child_process"
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { embeddedDataDir, freePort } from "../scripts/lib/postgres.mjs"
import { storeClient } from "../scripts/lib/storefront.mjs"
import { createClickCheckout } from "../src/storefront"
import { killDevCommands, startDev } from "./harness/dev-command"
import { pressSandboxButton } from "./harness/storefront"

/**
 * The README's two commands, run as a newcomer runs them: in a fresh copy of
 * this repository, in a folder only its owner can enter (mode 700, as
 * `mktemp -d` makes, and as a clone under /root is), whose path has a space.
 * `npm test` runs one integration file here, not the whole suite again.
 */
describe("a newcomer's private folder with a space in its path", () => {
  const privateRoot = mkdtempSync(path.join(os.tmpdir(), "click-newcomer-"))
  const checkout = path.join(privateRoot, "my shop")
  afterAll(() => {
    killDevCommands()
    // The embedded PostgreSQL data the copy kept outside its private folder.
    for (const name of ["postgres", "test-postgres"]) {
      const dataDir = embeddedDataDir(path.join(checkout, ".data"), name)
      if (!dataDir.startsWith(checkout)) rmSync(path.dirname(dataDir), { recursive: true, force: true })
    }
    rmSync(privateRoot, { recursive: true, force: true })
  })

  it("npm ci, npm run dev (then a sandbox payment) and npm test all work", async () => {
    chmodSync(privateRoot, 0o700)
    expect(statSync(privateRoot).mode & 0o777).toBe(0o700)
    copyWorkingTree(checkout)

    await run("npm", ["ci", "--no-audit", "--no-fund"], checkout, 600_000)

    const dev = await startDev(
      { EMBEDDED_POSTGRES_PORT: String(await freePort()), MEDUSA_ADMIN: "false" },
      { cwd: checkout, bare: true }
    )
    expect(dev.ready, dev.output()).toBe(true)
    expect(dev.output()).not.toMatch(/EACCES/)
    const key = dev.publishableKey()!
    const store = storeClient(dev.url, key)
    const { cartId } = await store.createPayableCart()
    const click = createClickCheckout({ backendUrl: dev.url, publishableKey: key })
    const { paymentUrl } = await click.startPayment(cartId)
    expect((await click.status(cartId)).status).toBe("awaiting_payment")
    // The shopper presses Pay on the sandbox's Click page.
    expect((await pressSandboxButton(dev.url, paymentUrl, "pay")).status).toBe(303)
    const payment = await click.waitForOrder(cartId, { timeoutMs: 30_000, intervalMs: 250 })
    expect(payment).toMatchObject({ status: "paid", order_id: expect.stringMatching(/^order_/) })
    expect(payment.order_display_id).toBeGreaterThan(0)
    expect(await dev.stop()).toBe(true)

    const tested = await run("npm", ["test", "--", "integration-tests/health.test.ts"], checkout, 600_000)
    // eslint-disable-next-line no-control-regex
    const summary = tested.replace(/\x1b\[[0-9;]*m/g, "")
    expect(summary).toMatch(/Tests\s+3 passed \(3\)/)
  }, 1_500_000)
})

/** What a clone would hold: the tracked files, plus new ones not yet committed (never ignored ones). */
function copyWorkingTree(destination: string) {
  mkdirSync(destination, { recursive: true })
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    cwd: projectDir,
    encoding: "utf8",
  })
    .split("\0")
    .filter(Boolean)
  for (const file of files) {
    try {
      cpSync(path.join(projectDir, file), path.join(destination, file), { recursive: false })
    } catch (error) {
      // A tracked file deleted in the working tree is not in a clone's future either.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
    }
  }
}

function run(command: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG, MEDUSA_DISABLE_TELEMETRY: "true" },
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (chunk) => (output += chunk))
    child.stderr.on("data", (chunk) => (output += chunk))
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("close", (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(output)
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code} in ${cwd}:\n${output.slice(-4000)}`))
    })
  })
}
