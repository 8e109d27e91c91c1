import { spawn } from "node:child_process"
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import net from "node:net"
import path from "node:path"
import { afterAll, describe, expect, inject, it } from "vitest"
import { embeddedDataDir, freePort, withDatabase } from "../scripts/lib/postgres.mjs"
import { projectDir } from "../scripts/lib/medusa.mjs"
import { killDevCommands, startDev as startDevCommand, waitFor } from "./harness/dev-command"
import { testEnv } from "./harness/test-env"

/**
 * `npm run dev` as a newcomer runs it: the README's command, a real process, real
 * output. Its default path (the embedded PostgreSQL, Ctrl-C, a second start on the
 * same data) is proven by newcomer.test.ts, in a private copy of the project.
 */
describe("npm run dev", () => {
  const dataDir = path.join(projectDir, ".data", `test-dev-${process.pid}`)
  afterAll(() => {
    killDevCommands()
    rmSync(dataDir, { recursive: true, force: true })
  })
  const startDev = (env: Record<string, string>) => startDevCommand({ DATA_DIR: dataDir, ...env })

  it("uses an external PostgreSQL named by DATABASE_URL, creating the database if missing", async () => {
    const databaseUrl = withDatabase(inject("databaseServerUrl"), `click_test_dev_${process.pid}`)
    const dev = await startDev({ DATABASE_URL: databaseUrl })
    expect(dev.ready, dev.output()).toBe(true)
    expect(dev.output()).toContain("Using the PostgreSQL database from DATABASE_URL")
    expect(dev.output()).not.toContain("embedded PostgreSQL")
    expect(await dev.stop()).toBe(true)
    // Migrating a new database takes minutes on 2 cores while the template is made beside it.
  }, 300_000)

  it("ends with one clear sentence when the database is unreachable or the port is taken", async () => {
    const unreachable = await startDev({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/medusa" })
    expect(unreachable.ready).toBe(false)
    expect(await unreachable.exited).toBe(1)
    expect(unreachable.output()).toMatch(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1 .*: start that server or fix DATABASE_URL\./)
    expect(unreachable.output()).not.toMatch(/\n\s+at /)

    const blocker = net.createServer().listen(0, "0.0.0.0")
    await new Promise((resolve) => blocker.once("listening", resolve))
    const busyPort = (blocker.address() as net.AddressInfo).port
    const busy = await startDev({ PORT: String(busyPort), DATABASE_URL: "postgres://postgres@127.0.0.1:1/medusa" })
    blocker.close()
    expect(await busy.exited).toBe(1)
    expect(busy.output()).toContain(`Port ${busyPort} is already in use`)

    const corruptRoot = `${dataDir}-corrupt`
    // Where dev keeps that data: under /var/lib when the project folder is private.
    const corruptData = embeddedDataDir(corruptRoot, "postgres")
    mkdirSync(corruptData, { recursive: true })
    writeFileSync(path.join(corruptData, "not-a-cluster"), "garbage")
    const corrupt = await startDev({ DATA_DIR: corruptRoot, EMBEDDED_POSTGRES_PORT: String(await freePort()) })
    rmSync(corruptRoot, { recursive: true, force: true })
    rmSync(corruptData, { recursive: true, force: true })
    expect(await corrupt.exited).toBe(1)
    expect(corrupt.output()).toMatch(/data folder .* could not be started .*: delete that folder/)
  })

  it("refuses, naming the fix, to write its log into a file Medusa's watcher would restart it for (npm run dev > dev.log)", async () => {
    // `> dev.log` in the project: the shell hands npm, and npm the script, that file as stdout and stderr.
    const logFile = path.join(projectDir, `dev-output-${process.pid}.log`)
    const fd = openSync(logFile, "w")
    try {
      const child = spawn("npm", ["run", "dev"], {
        cwd: projectDir,
        env: testEnv({ CLICK_SANDBOX: "true", CLICK_SECRET_KEY: "", DATA_DIR: dataDir, PORT: String(await freePort()) }),
        stdio: ["ignore", fd, fd],
        detached: true,
      })
      const exited = new Promise<number | null>((resolve) => child.on("exit", resolve))
      // A dev that starts its database instead of refusing is stopped at once, and the case fails.
      const started = waitFor(() => /PostgreSQL/.test(readFileSync(logFile, "utf8")), 120_000).then(() => "started" as const)
      const code = await Promise.race([exited, started])
      if (code === "started") process.kill(-child.pid!, "SIGKILL")
      const written = readFileSync(logFile, "utf8")
      expect(code, written).toBe(1)
      expect(written).toContain(`npm run dev writes into dev-output-${process.pid}.log, inside the project`)
      expect(written).toContain("npm run dev > .data/dev.log")
      // Nothing was started: no database, no Medusa.
      expect(written).not.toMatch(/PostgreSQL|migrations|Medusa is running/)
    } finally {
      closeSync(fd)
      rmSync(logFile, { force: true })
    }
  })
})
