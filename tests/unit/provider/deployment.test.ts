import { configManager } from "@medusajs/framework/config"
import { defineConfig } from "@medusajs/framework/utils"
import { afterEach, describe, expect, it } from "vitest"
import { checkDeploymentAtBoot } from "../../../src/providers/click/deployment"

const medusaStart = ["node", "medusa", "start"]
const redisUrl = "redis://127.0.0.1:6379"
const redisModules = [
  { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl } },
  { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl } } },
]
const locking = (providers: Array<Record<string, unknown>>) => ({ resolve: "@medusajs/medusa/locking", options: { providers } })
const redisLocks = { resolve: "@medusajs/medusa/locking-redis", id: "locking-redis", options: { redisUrl } }

/** Medusa's configuration as `medusa start` loads it (defineConfig adds the in-memory defaults). */
function loadConfig(workerMode: string, modules: Array<Record<string, unknown>>) {
  configManager.loadConfig({
    projectConfig: defineConfig({ projectConfig: { redisUrl, workerMode: workerMode as "shared", http: { jwtSecret: "x", cookieSecret: "x" } } as never, modules }),
    baseDir: process.cwd(),
  })
}

describe("checkDeploymentAtBoot (the provider's validateOptions)", () => {
  afterEach(() => loadConfig("shared", []))

  it("reads Medusa's loaded configuration: a worker on Redis boots, one on defineConfig's in-memory defaults does not", () => {
    loadConfig("worker", [...redisModules, locking([{ ...redisLocks, is_default: true }])])
    expect(() => checkDeploymentAtBoot(medusaStart)).not.toThrow()

    loadConfig("worker", [])
    expect(() => checkDeploymentAtBoot(medusaStart)).toThrow(/in-memory event bus[\s\S]*in-memory workflow engine[\s\S]*in-memory locks/)
  })

  it("takes the locking module's default provider as Medusa does: the only one, or the one marked is_default", () => {
    loadConfig("server", [...redisModules, locking([redisLocks])])
    expect(() => checkDeploymentAtBoot(medusaStart)).not.toThrow()
    loadConfig("server", [...redisModules, locking([redisLocks, { resolve: "@medusajs/medusa/locking-postgres", id: "locking-postgres" }])])
    expect(() => checkDeploymentAtBoot(medusaStart)).toThrow(/in-memory locks/)
  })

  it("lets Medusa's other commands (which force server mode) load the app", () => {
    loadConfig("server", [])
    expect(() => checkDeploymentAtBoot(["node", "medusa", "db:migrate"])).not.toThrow()
    expect(() => checkDeploymentAtBoot(["node", "medusa", "exec", "./scripts/seed-demo.ts"])).not.toThrow()
  })
})
