import { spawn } from "node:child_process"
import { describe, expect, it } from "vitest"
import { projectDir } from "../../../scripts/lib/medusa.mjs"

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * A starter process (a test worker, the bench) that starts a long-running Node process with
 * testEnv, or with testEnv's environment stripped of the preload, prints that process's pid and
 * waits; it is then SIGKILLed, so nothing of its own cleans up.
 */
async function orphanOfKilledStarter(withPreload: boolean): Promise<number> {
  const script = `
    import { spawn } from "node:child_process"
    import { testEnv } from ${JSON.stringify(`${projectDir}/scripts/lib/test-env.mjs`)}
    const env = testEnv()
    if (!${withPreload}) delete env.NODE_OPTIONS
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { env, stdio: "ignore", detached: true })
    console.log(child.pid)
    setInterval(() => {}, 1000)`
  const starter = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] })
  const pid = await new Promise<number>((resolve) => starter.stdout!.once("data", (chunk) => resolve(Number(String(chunk).trim()))))
  starter.kill("SIGKILL")
  return pid
}

async function stillAliveAfter(pid: number, ms: number) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline && alive(pid)) await new Promise((resolve) => setTimeout(resolve, 100))
  return alive(pid)
}

describe("a process started with testEnv ends with the process that started it", () => {
  it("is gone within seconds of its starter's SIGKILL; without the preload it would be left behind", async () => {
    const guarded = await orphanOfKilledStarter(true)
    const unguarded = await orphanOfKilledStarter(false)
    try {
      expect(await stillAliveAfter(guarded, 5000)).toBe(false)
      expect(alive(unguarded)).toBe(true)
    } finally {
      for (const pid of [guarded, unguarded]) if (alive(pid)) process.kill(pid, "SIGKILL")
    }
  })
})
