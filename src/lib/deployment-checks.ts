/**
 * What a backend's Medusa configuration means for this plugin when the
 * backend runs as several instances (README "Deploying to production"). Pure:
 * the provider's boot (src/providers/click/deployment.ts) reads the facts.
 */

const WORKER_MODES = ["shared", "server", "worker"] as const

export interface DeploymentFacts {
  /** The Medusa command this process runs (`start`, `develop`, `db:migrate`, `exec`, …). */
  command: string | undefined
  /** projectConfig.workerMode as Medusa normalized it (undefined when MEDUSA_WORKER_MODE named no mode). */
  workerMode: string | undefined
  /** The modules' `resolve`s; undefined when the module is not configured (Medusa's in-memory default). */
  eventBus: string | undefined
  workflowEngine: string | undefined
  /** The `resolve` of the locking module's default provider; undefined: Medusa's in-memory provider. */
  defaultLockingProvider: string | undefined
}

export interface DeploymentVerdict {
  /** Certain misconfigurations: the instance must not start. */
  refusals: string[]
  /** What may be wrong, depending on what else runs (the check cannot see the other instances). */
  warnings: string[]
}

const FIX = 'see README "Deploying to production"'
const REDIS_EVENT_BUS = '{ resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl: process.env.REDIS_URL } }'
const REDIS_WORKFLOW_ENGINE =
  '{ resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl: process.env.REDIS_URL } } }'
const SHARED_LOCKING =
  'a default provider (is_default: true) "@medusajs/medusa/locking-redis" (options: { redisUrl }) or "@medusajs/medusa/locking-postgres" to the "@medusajs/medusa/locking" module'

const isInMemoryEventBus = (resolve: string | undefined) => !resolve || /event-bus-local/.test(resolve)
const isInMemoryWorkflowEngine = (resolve: string | undefined) => !resolve || /workflow-engine-inmemory/.test(resolve)

/**
 * Medusa's CLI commands other than `start` and `develop` (db:migrate, exec,
 * user…) load the app too, and force `server` mode: only a serving process is judged.
 */
export const isServingCommand = (command: string | undefined) => command === "start" || command === "develop"

export function checkDeployment(facts: DeploymentFacts): DeploymentVerdict {
  const verdict: DeploymentVerdict = { refusals: [], warnings: [] }
  if (!isServingCommand(facts.command)) return verdict

  if (!WORKER_MODES.includes(facts.workerMode as (typeof WORKER_MODES)[number])) {
    // Medusa then loads the HTTP routes but no jobs: an instance of no kind, silently.
    verdict.refusals.push(
      `workerMode is "${facts.workerMode ?? ""}" (MEDUSA_WORKER_MODE): Medusa knows "shared", "server" and "worker", ` +
        `and any other value starts an instance that runs none of Click's jobs (${FIX}).`
    )
    return verdict
  }
  const locksAreLocal = !facts.defaultLockingProvider
  if (facts.workerMode === "shared") {
    if (locksAreLocal) {
      verdict.warnings.push(
        "Medusa's locks are in memory: they hold inside this process only. If more than one backend process " +
          "runs on this database, two of them can complete the same Click cart at once. Add " +
          `${SHARED_LOCKING} (${FIX}).`
      )
    }
    return verdict
  }

  // A server or a worker instance exists only beside instances of the other kind.
  const instance = `This is a ${facts.workerMode} instance (workerMode "${facts.workerMode}")`
  if (isInMemoryEventBus(facts.eventBus)) {
    const lost =
      facts.workerMode === "server"
        ? "the events this server emits never reach the worker, so an admin refund's payment.refunded is handled (if at all) inside this process and lost with it"
        : "the events of the server instances never reach this worker, so Click's admin-refund subscriber never runs for a refund made on a server"
    verdict.refusals.push(`${instance} on Medusa's in-memory event bus: ${lost}. Add ${REDIS_EVENT_BUS} to modules (${FIX}).`)
  }
  if (isInMemoryWorkflowEngine(facts.workflowEngine)) {
    verdict.refusals.push(
      `${instance} on Medusa's in-memory workflow engine: workflow executions and scheduled jobs are not shared ` +
        `between the instances, so a workflow started on one cannot be resumed, retried or found on another. ` +
        `Add ${REDIS_WORKFLOW_ENGINE} to modules (${FIX}).`
    )
  }
  if (locksAreLocal) {
    verdict.refusals.push(
      `${instance} with Medusa's in-memory locks: a lock holds inside one process only, so the server that answers ` +
        `Click and the worker that recovers payments can complete the same Click cart at once. Add ${SHARED_LOCKING} (${FIX}).`
    )
  }
  return verdict
}
