import { spawn } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { verifyClickCallback } from "../src/click"
import { testEnv } from "./harness/test-env"

const SERVICE_ID = "55501"
const MERCHANT_KEY = "the-merchant-secret"

/**
 * Where `medusa-click-certify` takes the secret key it signs with: the CLI as
 * a merchant runs it, against a merchant that answers 0 only to callbacks
 * signed with its key (step 2 passes only when the CLI signed with that key).
 */
describe("medusa-click-certify's secret key", () => {
  let merchant: Server
  let url: string
  beforeAll(async () => {
    merchant = createServer((req, res) => {
      let body = ""
      req.on("data", (chunk) => (body += chunk))
      req.on("end", () => {
        const endpoint = req.url === "/prepare" ? "prepare" : "complete"
        const fields = Object.fromEntries(new URLSearchParams(body))
        const verified = verifyClickCallback(fields, endpoint, {
          serviceId: SERVICE_ID,
          secretKey: MERCHANT_KEY,
          signTimeMaxAgeSec: 300,
          signTimeMaxFutureSec: 60,
        })
        res.setHeader("content-type", "application/json")
        res.end(JSON.stringify(verified.ok ? { error: 0, merchant_prepare_id: 1 } : { error: verified.error }))
      })
    })
    await new Promise<void>((resolve) => merchant.listen(0, "127.0.0.1", resolve))
    url = `http://127.0.0.1:${(merchant.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => merchant.close(() => resolve())))

  function certify(args: string[], env: Record<string, string>, stdin = ""): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const orders = Array.from({ length: 4 }, (_, i) => ["--merchant-trans-id", `cart_${i}`]).flat()
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        ["-r", "ts-node/register", path.join("src", "certify", "cli.ts"), "--prepare-url", `${url}/prepare`, "--complete-url", `${url}/complete`,
          "--service-id", SERVICE_ID, ...orders, "--amount", "1000.00", ...args],
        {
          cwd: projectDir,
          env: { ...testEnv(), TS_NODE_TRANSPILE_ONLY: "true", TS_NODE_COMPILER_OPTIONS: '{"module":"commonjs"}', CLICK_SECRET_KEY: "", ...env },
        }
      )
      let stdout = ""
      let stderr = ""
      child.stdout.on("data", (chunk) => (stdout += chunk))
      child.stderr.on("data", (chunk) => (stderr += chunk))
      child.stdin.end(stdin)
      child.on("close", (code) => resolve({ code, stdout, stderr }))
    })
  }

  const signedWithMerchantKey = /^2\s+Prepare, valid\s+0\s+0\s+pass$/m

  it("signs with CLICK_SECRET_KEY from the environment, and warns of nothing", async () => {
    const run = await certify([], { CLICK_SECRET_KEY: MERCHANT_KEY })
    expect(run.stdout).toMatch(signedWithMerchantKey)
    expect(run.stderr).toBe("")
  })

  it("signs with a key piped to --secret-key-stdin, before the environment's", async () => {
    const run = await certify(["--secret-key-stdin"], { CLICK_SECRET_KEY: "not-this-one" }, `${MERCHANT_KEY}\n`)
    expect(run.stdout).toMatch(signedWithMerchantKey)
    expect(run.stderr).toBe("")
  })

  it("still takes --secret-key, with a warning that it shows in ps", async () => {
    const run = await certify(["--secret-key", MERCHANT_KEY], {})
    expect(run.stdout).toMatch(signedWithMerchantKey)
    expect(run.stderr).toMatch(/Warning: --secret-key puts the secret key on the command line.*\(ps, shell history\)/)
    expect(run.stderr).not.toContain(MERCHANT_KEY)
  })

  it("refuses to run without a key, saying where to put it", async () => {
    const run = await certify([], {})
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/No secret key: set CLICK_SECRET_KEY, or pipe the key to --secret-key-stdin/)
  })
})
