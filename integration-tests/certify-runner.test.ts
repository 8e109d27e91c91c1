import { spawn } from "node:child_process"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickMerchant, testEnv } from "./harness/test-env"

/** `medusa-click-certify` as a merchant runs it: the CLI, against this backend over HTTP. */
describe("certification runner", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  function certify(args: string[]): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["-r", "ts-node/register", path.join("src", "certify", "cli.ts"), ...args], {
        cwd: projectDir,
        env: { ...testEnv(), TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_COMPILER_OPTIONS: '{"module":"commonjs"}' },
      })
      let output = ""
      child.stdout.on("data", (chunk) => (output += chunk))
      child.stderr.on("data", (chunk) => (output += chunk))
      child.on("close", (code) => resolve({ code, output }))
    })
  }

  const urls = () => [
    "--prepare-url", `${backend.url}/hooks/click/prepare`,
    "--complete-url", `${backend.url}/hooks/click/complete`,
    "--service-id", clickMerchant.serviceId,
  ]

  it("passes every step against this backend, with fresh orders from its store API", async () => {
    const run = await certify([...urls(), "--secret-key", clickMerchant.secretKey, "--medusa-url", backend.url, "--publishable-key", backend.publishableKey])
    expect(run.output).toContain("All steps passed.")
    expect(run.output).toMatch(/^15\s+Complete error=0 on the cancelled payment\s+-9\s+-9\s+pass$/m)
    expect(run.output).toMatch(/^x6\s+10 identical valid Completes at once\s+0\s+1× 0, 9× -4\s+pass$/m)
    expect(run.code).toBe(0)
  })

  it("fails, naming the steps, when the merchant's secret differs from the one it signs with", async () => {
    const run = await certify([...urls(), "--secret-key", "not-the-merchant-secret", "--medusa-url", backend.url, "--publishable-key", backend.publishableKey])
    expect(run.code).toBe(1)
    expect(run.output).toMatch(/^2\s+Prepare, valid\s+0\s+-1\s+FAIL$/m)
    expect(run.output).toMatch(/step\(s\) failed: .*\b2\b/)
  })

  it("documents itself and refuses to run without what it needs", async () => {
    const help = await certify(["--help"])
    expect(help.code).toBe(0)
    expect(help.output).toContain("--prepare-url")
    const missing = await certify(["--prepare-url", "http://x"])
    expect(missing.code).toBe(2)
    expect(missing.output).toMatch(/Missing --complete-url, --service-id\./)
  })
})
