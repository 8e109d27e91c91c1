#!/usr/bin/env node
// After `npm install`, run `node scripts/complete-lockfile.mjs`.
//
// Some registries (the mirror this project is developed behind among them)
// serve only the platform packages of the machine at hand. npm then leaves
// the other platforms' optional packages (@swc/core-darwin-arm64, …) out of
// package-lock.json, and `npm ci` refuses the lock as "out of sync". This adds
// the missing optional entries, marked with their os/cpu, so that `npm ci`
// accepts the lock everywhere and each machine still installs only its own.
import { readFileSync, writeFileSync } from "node:fs"

const file = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(file, "utf8"))
const packages = lock.packages

const OS = ["darwin", "linux", "win32", "freebsd", "openbsd", "android", "openharmony", "sunos", "aix"]
const CPU = ["arm64", "x64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64"]

function platformOf(name) {
  const parts = name.split("/").pop().split("-")
  const os = OS.find((candidate) => parts.includes(candidate))
  const cpu = CPU.find((candidate) => parts.includes(candidate) || parts.some((p) => p.startsWith(candidate) && /eabi/.test(p)))
  const libc = parts.some((p) => p.startsWith("musl")) ? "musl" : parts.some((p) => p === "gnu" || p.startsWith("gnueabi")) ? "glibc" : undefined
  return { os, cpu, libc }
}

let added = 0
for (const [location, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ""}node_modules/${name}`
    if (packages[nested] || packages[`node_modules/${name}`]) continue
    const { os, cpu, libc } = platformOf(name)
    if (!os || !cpu || !/^\d+\.\d+\.\d+/.test(version)) continue
    packages[`node_modules/${name}`] = {
      version,
      ...(libc ? { libc: [libc] } : {}),
      cpu: [cpu],
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
    }
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))))
writeFileSync(file, JSON.stringify(lock, null, 2) + "\n")
console.log(`package-lock.json: added ${added} optional platform entries`)
