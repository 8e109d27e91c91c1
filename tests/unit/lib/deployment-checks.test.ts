import { describe, expect, it } from "vitest"
import { checkDeployment, type DeploymentFacts } from "../../../src/lib/deployment-checks"

const onRedis: DeploymentFacts = {
  command: "start",
  workerMode: "server",
  eventBus: "@medusajs/medusa/event-bus-redis",
  workflowEngine: "@medusajs/medusa/workflow-engine-redis",
  defaultLockingProvider: "@medusajs/medusa/locking-redis",
}
const inMemory = { eventBus: undefined, workflowEngine: undefined, defaultLockingProvider: undefined }

describe("checkDeployment", () => {
  it("passes server and worker instances on Redis's event bus, workflow engine and locks", () => {
    for (const workerMode of ["server", "worker"] as const) {
      expect(checkDeployment({ ...onRedis, workerMode })).toEqual({ refusals: [], warnings: [] })
    }
    expect(checkDeployment({ ...onRedis, defaultLockingProvider: "@medusajs/medusa/locking-postgres" }).refusals).toEqual([])
  })

  it("refuses a server or worker instance on the in-memory event bus, workflow engine or locks, naming what to add", () => {
    for (const workerMode of ["server", "worker"] as const) {
      const { refusals, warnings } = checkDeployment({ ...onRedis, ...inMemory, workerMode })
      expect(warnings).toEqual([])
      expect(refusals).toHaveLength(3)
      for (const refusal of refusals) expect(refusal).toContain(`This is a ${workerMode} instance`)
      expect(refusals[0]).toMatch(/in-memory event bus: .*admin.refund/)
      expect(refusals[0]).toContain('"@medusajs/medusa/event-bus-redis"')
      expect(refusals[1]).toMatch(/in-memory workflow engine.*"@medusajs\/medusa\/workflow-engine-redis"/)
      expect(refusals[2]).toMatch(/in-memory locks.*locking-redis.*locking-postgres/)
      for (const refusal of refusals) expect(refusal).toContain('README "Deploying to production"')
    }
    // Medusa's default modules, named as defineConfig names them, are in memory too.
    const defaults = checkDeployment({
      ...onRedis,
      eventBus: "@medusajs/medusa/event-bus-local",
      workflowEngine: "@medusajs/medusa/workflow-engine-inmemory",
    })
    expect(defaults.refusals).toHaveLength(2)
  })

  it("only warns a shared instance (one process, or several: it cannot know) about in-memory locks", () => {
    const shared = checkDeployment({ ...onRedis, ...inMemory, workerMode: "shared" })
    expect(shared.refusals).toEqual([])
    expect(shared.warnings).toHaveLength(1)
    expect(shared.warnings[0]).toMatch(/more than one backend process.*locking-redis/)
    expect(checkDeployment({ ...onRedis, ...inMemory, workerMode: "shared", defaultLockingProvider: "@medusajs/medusa/locking-postgres" })).toEqual({
      refusals: [],
      warnings: [],
    })
  })

  it("refuses a worker mode Medusa does not know (an instance that would run no jobs)", () => {
    for (const workerMode of [undefined, "", "wroker"]) {
      const { refusals } = checkDeployment({ ...onRedis, workerMode })
      expect(refusals).toHaveLength(1)
      expect(refusals[0]).toMatch(/Medusa knows "shared", "server" and "worker"/)
    }
  })

  it("judges only `medusa start` and `medusa develop`: db:migrate, exec and the other commands load the app in server mode", () => {
    expect(checkDeployment({ ...onRedis, ...inMemory, command: "develop" }).refusals).toHaveLength(3)
    for (const command of ["db:migrate", "exec", "user", "db:sync-links", undefined]) {
      expect(checkDeployment({ ...onRedis, ...inMemory, command })).toEqual({ refusals: [], warnings: [] })
    }
  })
})
