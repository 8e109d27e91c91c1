import { spawn, type ChildProcess } from "node:child_process"
import { freePort } from "../../scripts/lib/postgres.mjs"
import { projectDir } from "../../scripts/lib/medusa.mjs"
import { testEnv } from "./test-env"

export interface DevCommand {
  port: number
  /** The printed "Medusa is running" URL's port, on 127.0.0.1. */
  url: string
  ready: boolean
  output(): string
  exited: Promise<number | null>
  publishableKey(): string | undefined
  /** The printed "Admin login: <email> / <password>". */
  adminLogin(): { email: string; password: string } | undefined
  /** Ctrl-C, as in a terminal; true when everything stopped cleanly. */
  stop(): Promise<boolean>
}

const running = new Set<ChildProcess>()

/** Kills every `npm run dev` still running: npm, the dev script, Medusa and the embedded PostgreSQL. */
export function killDevCommands() {
  for (const child of running) {
    try {
      process.kill(-child.pid!, "SIGKILL")
    } catch {
      // already gone
    }
  }
  running.clear()
}

/**
 * `npm run dev` as a newcomer runs it: the README's command, a real process,
 * real output. By default the environment is the tests' (testEnv) in sandbox
 * mode; `bare` gives only what any shell has, as on a newcomer's machine. An
 * env value of `undefined` removes the variable, so the command's own default
 * applies (e.g. the admin dashboard).
 */
export async function startDev(
  env: Record<string, string | undefined>,
  { cwd = projectDir, bare = false }: { cwd?: string; bare?: boolean } = {}
): Promise<DevCommand> {
  const port = await freePort()
  const base = bare
    ? { PATH: process.env.PATH, HOME: process.env.HOME, LANG: process.env.LANG, MEDUSA_DISABLE_TELEMETRY: "true" }
    : testEnv({ CLICK_SANDBOX: "true", CLICK_SECRET_KEY: "" })
  const childEnv: Record<string, string | undefined> = { ...base, PORT: String(port), ...env }
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key]
  const child = spawn("npm", ["run", "dev"], {
    cwd,
    env: childEnv as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  })
  running.add(child)
  let output = ""
  child.stdout!.on("data", (chunk) => (output += chunk))
  child.stderr!.on("data", (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
  // Ctrl-C in a terminal signals the whole process group; npm then ends by that signal.
  const stopped = new Promise<boolean>((resolve) =>
    child.on("exit", (code, signal) => resolve(code === 0 || signal === "SIGINT"))
  )
  const ready = await Promise.race([
    waitFor(() => /Press Ctrl-C to stop/.test(output), 300_000).then(() => true),
    exited.then(() => false),
  ])
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    ready,
    output: () => output,
    exited,
    publishableKey: () => /Publishable key: (pk_\w+)/.exec(output)?.[1],
    adminLogin() {
      const match = /Admin login: (\S+) \/ (\S+)/.exec(output)
      return match ? { email: match[1], password: match[2] } : undefined
    },
    async stop() {
      process.kill(-child.pid!, "SIGINT")
      const clean = await stopped
      running.delete(child)
      return clean
    },
  }
}

export async function waitFor(check: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out")
    await new Promise((r) => setTimeout(r, 200))
  }
}
