import { describe, expect, it } from "vitest"
import { COMMAND_LINE_KEY_WARNING, resolveSecretKey } from "../../../src/certify/secret-key"

const noStdin = () => Promise.reject(new Error("standard input was not to be read"))

describe("medusa-click-certify's secret key", () => {
  it("comes from CLICK_SECRET_KEY by default, without a warning", async () => {
    expect(await resolveSecretKey({ fromStdin: false, env: { CLICK_SECRET_KEY: " from-env \n" }, readStdin: noStdin })).toEqual({
      ok: true,
      secretKey: "from-env",
    })
  })

  it("comes from standard input with --secret-key-stdin, before the environment", async () => {
    const piped = await resolveSecretKey({ fromStdin: true, env: { CLICK_SECRET_KEY: "from-env" }, readStdin: async () => "piped\n" })
    expect(piped).toEqual({ ok: true, secretKey: "piped" })
    expect(await resolveSecretKey({ fromStdin: true, env: {}, readStdin: async () => "\n" })).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/Nothing came on standard input/),
    })
  })

  it("is still taken from the command line, with a warning that names the safe ways", async () => {
    const result = await resolveSecretKey({ argument: "on-the-command-line", fromStdin: false, env: {}, readStdin: noStdin })
    expect(result).toEqual({ ok: true, secretKey: "on-the-command-line", warning: COMMAND_LINE_KEY_WARNING })
    expect(COMMAND_LINE_KEY_WARNING).toMatch(/ps.*CLICK_SECRET_KEY.*--secret-key-stdin/)
  })

  it("is refused when missing or given twice, saying what to do", async () => {
    expect(await resolveSecretKey({ fromStdin: false, env: {}, readStdin: noStdin })).toEqual({
      ok: false,
      problem: "No secret key: set CLICK_SECRET_KEY, or pipe the key to --secret-key-stdin.",
    })
    expect(await resolveSecretKey({ argument: "k", fromStdin: true, env: {}, readStdin: async () => "k" })).toMatchObject({ ok: false })
  })
})
