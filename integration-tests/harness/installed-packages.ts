import { execFile } from "node:child_process"
import { copyFileSync, rmSync } from "node:fs"
import path from "node:path"
import { promisify } from "node:util"
import { projectDir } from "../../scripts/lib/medusa.mjs"

const run = promisify(execFile)

/**
 * Gives `destination` this repository's installed packages, as `npm install`
 * would leave them, so a test's own `npm install` there only reconciles.
 *
 * Hard links (`cp -al`) where both folders are on one filesystem: linking the
 * tree is much cheaper than copying it and deleting the copy afterwards. npm
 * replaces a package by unlinking it and writing a new one, so a linked file is
 * never written through; the one file npm rewrites in place, its record of
 * what is installed, is a copy of its own. Across filesystems, a copy.
 */
export async function provideInstalledPackages(destination: string): Promise<void> {
  const installed = path.join(projectDir, "node_modules")
  const target = path.join(destination, "node_modules")
  try {
    await run("cp", ["-al", installed, target])
  } catch {
    rmSync(target, { recursive: true, force: true })
    await run("cp", ["-a", installed, target])
    return
  }
  const record = path.join(target, ".package-lock.json")
  rmSync(record, { force: true })
  copyFileSync(path.join(installed, ".package-lock.json"), record)
}
