import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { applySandboxDefaults } from "../../../scripts/lib/sandbox-defaults.mjs"

describe("npm run dev's Click mode", () => {
  const dataRoot = mkdtempSync(path.join(tmpdir(), "click-dev-"))
  afterAll(() => rmSync(dataRoot, { recursive: true, force: true }))
  const apply = async (given: Record<string, string>) => {
    const env: Record<string, string | undefined> = { ...given }
    const lines = await applySandboxDefaults(env, { dataRoot, projectDir: dataRoot })
    return { env, lines }
  }

  it("is the sandbox, with local ids and a generated key, when nothing is set", async () => {
    const { env, lines } = await apply({})
    expect(env).toMatchObject({ CLICK_SANDBOX: "true", CLICK_SERVICE_ID: "10001", CLICK_SECRET_KEY: expect.stringMatching(/^[0-9a-f]{48}$/) })
    expect(lines.join("\n")).toMatch(/local Click secret key \(stored in click-sandbox-secret-key\)/)
  })

  it("is not the sandbox when a CLICK_SECRET_KEY is in the environment, and says how to get it", async () => {
    const real = { CLICK_SECRET_KEY: "merchant-key", CLICK_SERVICE_ID: "777" }
    const { env, lines } = await apply(real)
    expect(env).toEqual({ ...real, CLICK_SANDBOX: "false" })
    expect(lines).toEqual([expect.stringMatching(/CLICK_SECRET_KEY is set, so Click sandbox mode is off.*CLICK_SANDBOX=true/)])
  })

  it("is the sandbox with one's own key when CLICK_SANDBOX=true says so, and never with CLICK_SANDBOX=false", async () => {
    const own = await apply({ CLICK_SANDBOX: "true", CLICK_SECRET_KEY: "my-local-key" })
    expect(own.env).toMatchObject({ CLICK_SANDBOX: "true", CLICK_SECRET_KEY: "my-local-key", CLICK_SERVICE_ID: "10001" })
    expect(own.lines).toEqual([])
    const off = await apply({ CLICK_SANDBOX: "false" })
    expect(off.env).toEqual({ CLICK_SANDBOX: "false" })
  })
})
