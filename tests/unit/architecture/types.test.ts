import { execFile } from "node:child_process"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const root = fileURLToPath(new URL("../../../", import.meta.url))
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc")

/**
 * vitest runs TypeScript without checking it, so a test could pass a value of the wrong shape
 * (a config missing the fields that make a check strict, a client of another kind) and still
 * pass. The code, the tests and their harness are checked together (tsconfig.tests.json: the
 * project's settings, with the tests' ESM and the JSDoc types of scripts/lib).
 */
describe("types", () => {
  it("the source, the tests and the harness type-check", async () => {
    const output = await new Promise<string>((resolve) =>
      execFile(process.execPath, [tsc, "-p", "tsconfig.tests.json", "--pretty", "false"], { cwd: root, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
        resolve(error ? `${stdout}${stderr}` || String(error) : "")
      )
    )
    expect(output).toBe("")
  }, 300_000)
})
