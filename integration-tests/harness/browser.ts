import { existsSync, mkdirSync } from "node:fs"
import path from "node:path"
import { chromium, type Browser, type Page } from "playwright-core"
import { afterAll, beforeAll } from "vitest"
import { projectDir } from "../../scripts/lib/medusa.mjs"
import { sharedBackend, type Backend } from "./backend"

/** Debian's Chromium (`apt-get install chromium`); downloading a browser does not work on these machines. */
export const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium"

/** Where the browser tests save a screenshot of every page they check (git-ignored). */
export const screenshotDir = path.join(projectDir, ".data", "screenshots")

/**
 * Whether the browser tests can run. CI sets REQUIRE_BROWSER=1, so a missing
 * Chromium fails there instead of skipping; on a laptop without one the tests
 * are skipped with a message nobody can miss.
 */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true
  if (process.env.REQUIRE_BROWSER === "1") {
    throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${chromiumPath}: apt-get install -y chromium`)
  }
  console.warn(
    [
      "",
      "!".repeat(78),
      `!! BROWSER TESTS SKIPPED: no Chromium at ${chromiumPath}.`,
      "!! Install it (Debian/Ubuntu: apt-get install -y chromium) or set CHROMIUM_PATH.",
      "!".repeat(78),
      "",
    ].join("\n")
  )
  return false
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  })
}

/** A page that fails the test on any script error, with its console kept for the failure message. */
export async function openPage(browser: Browser): Promise<Page & { errors: string[] }> {
  const page = (await browser.newPage({ viewport: { width: 1440, height: 900 } })) as Page & { errors: string[] }
  page.errors = []
  page.on("pageerror", (error) => page.errors.push(error.message))
  return page
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true })
  const file = path.join(screenshotDir, `${name}.png`)
  await page.screenshot({ path: file, fullPage: true })
  return file
}

/**
 * The shared sandbox backend and one Chromium for a describe block: started
 * before its tests, stopped after. Read them from the returned object inside
 * the tests.
 */
export function sandboxInBrowser(): { backend: Backend; browser: Browser } {
  const sandbox = {} as { backend: Backend; browser: Browser }
  beforeAll(async () => {
    sandbox.backend = await sharedBackend("sandbox")
    sandbox.browser = await launchBrowser()
  })
  afterAll(async () => {
    await sandbox.browser?.close()
    await sandbox.backend?.stop()
  })
  return sandbox
}
