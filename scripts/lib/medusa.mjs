// Running the Medusa CLI of this project as child processes.
import { spawn } from "node:child_process"
import os from "node:os"
import path from "node:path"
import { fileURLToPath } from "node:url"

// fileURLToPath, not URL.pathname: the latter keeps a space in the path as %20.
export const projectDir = fileURLToPath(new URL("../..", import.meta.url)).replace(/\/$/, "")
const medusaBin = path.join(projectDir, "node_modules", ".bin", "medusa")

/**
 * Runs `medusa <args>` to completion; resolves with its output, rejects with it on failure.
 * `priority`: its nice value (and its children's), see `setChildPriority`.
 */
export function runMedusa(args, env, { echo = false, priority } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(medusaBin, args, { cwd: projectDir, env, stdio: ["ignore", "pipe", "pipe"] })
    setChildPriority(child, priority)
    let output = ""
    const collect = (chunk) => {
      output += chunk
      if (echo) process.stdout.write(chunk)
    }
    child.stdout.on("data", collect)
    child.stderr.on("data", collect)
    child.on("error", reject)
    child.on("close", (code) => {
      if (code === 0) resolve(output)
      else reject(Object.assign(new Error(`medusa ${args.join(" ")} exited with ${code}`), { output }))
    })
  })
}

/**
 * Starts a long-running `medusa <args>` (start or develop); returns the child.
 * @param {string[]} args
 * @param {NodeJS.ProcessEnv} env
 * @param {import("node:child_process").StdioOptions} [stdio]
 * @param {{ priority?: number }} [options]
 * @returns {import("node:child_process").ChildProcess}
 */
export function spawnMedusa(args, env, stdio = "inherit", { priority } = {}) {
  const child = spawn(medusaBin, args, { cwd: projectDir, env, stdio })
  setChildPriority(child, priority)
  return child
}

/**
 * Sets a just-started child's nice value, which the processes it starts later
 * inherit. Only root may raise a priority (a negative value): elsewhere the
 * child keeps the default, which is only slower.
 */
function setChildPriority(child, priority) {
  if (priority === undefined || !child.pid) return
  try {
    os.setPriority(child.pid, priority)
  } catch {
    // Not permitted here: the default priority.
  }
}

/**
 * Waits until Medusa at `baseUrl` answers /health; fails at once if `child` exits first.
 * @param {string} baseUrl
 * @param {{ timeoutMs?: number, child?: import("node:child_process").ChildProcess }} [options]
 */
export async function waitForHealth(baseUrl, { timeoutMs = 120_000, child } = {}) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`Medusa exited with code ${child.exitCode} before it answered ${baseUrl}/health`)
    }
    try {
      const response = await fetch(`${baseUrl}/health`)
      if (response.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`Medusa did not answer ${baseUrl}/health within ${timeoutMs / 1000} s`)
}

/** The seed script prints one `CLICK_DEMO_SEED {json}` line. */
export function parseSeedOutput(output) {
  const line = output.split("\n").find((l) => l.startsWith("CLICK_DEMO_SEED "))
  if (!line) throw Object.assign(new Error("the demo seed printed no result"), { output })
  return JSON.parse(line.slice("CLICK_DEMO_SEED ".length))
}

/** Sets up a database for this app: migrations, then the idempotent demo seed. */
export async function migrateAndSeed(env, { priority } = {}) {
  await runMedusa(["db:migrate"], env, { priority })
  return parseSeedOutput(await runMedusa(["exec", "./scripts/seed-demo.ts"], env, { priority }))
}
