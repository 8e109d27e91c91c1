import { defineConfig } from "vitest/config"
import { BaseSequencer, type TestSpecification } from "vitest/node"

/**
 * The integration files, heaviest first, with what each costs on 2 cores.
 * Files run LANES at a time. The heaviest start first, so that no long file is
 * left to run alone at the end.
 */
const parallelFiles = [
  "newcomer", // npm ci, npm run dev, a real browser, npm test in a private copy
  "package", // plugin build, pack, install into a fresh backend
  // Then the two other files that need no template: they run while it is made.
  "dev-command",
  "certify-secret-key",
  "server-worker", // a server and a worker instance on Redis, the server killed and restarted
  "several-processes", // two backends on one database, Postgres locking
  "several-processes-redis", // the same with Redis locking
  "refunds",
  "refunds-at-most-once", // lost reversal answers settled by Click's status, refunded outside Click, lost refund events
  "refunds-uncertain-partial-and-before-placed", // partial reversals settled by a person; a refund before placed, the process killed
  "payment-integrity",
  "crash-recovery", // three placements killed at once, and a restart
  "frozen-process", // a backend frozen mid-placement, a second one booted, the first resumed
  "saved-card-attacks", // a backend of its own with short holds, Click's answers lost, a kill and a restart
  "faults", // terminated connections, a Redis restart
  "admin-api",
  "verify-debits", // two backends: verification on, and off
  "several-services", // a backend of its own with two Click services, each with its own Merchant API double
  "reconcile-never-guesses",
  "request-guard",
  "late-complete",
  "cart-paid-twice", // a backend of its own, three carts each paid twice
  "sandbox-loopback",
  "certification",
  "fiscal-receipts",
  "sandbox-pay-page",
  "pay-by-phone", // the shared backend; Click's double pays invoices back over HTTP
  "saved-cards", // the shared backend; two customers, card tokens at the double over HTTP, a scan of every table
  "saved-card-checkout", // the shared backend; one payment waits for the placement job after Click settles it
  "concurrency",
  "certify-runner",
  "hostile-fuzz",
  "hostile-callbacks",
  "provider-and-status",
  "key-rotation",
  "health",
  "redis-claims", // no backend: the run's Redis only
]

/**
 * The file that measures how fast Click's answers come (within a second, under
 * a stuck placement, a retry storm or right after a crash) runs alone after
 * the others: on 2 cores another file's CPU would be measured with it.
 */
const timedFiles = ["answer-times"]

const rank = (spec: TestSpecification) => {
  const name = /([^/]+)\.test\.ts$/.exec(spec.moduleId)?.[1] ?? ""
  const index = [...parallelFiles, ...timedFiles].indexOf(name)
  return index < 0 ? Number.MAX_SAFE_INTEGER : index
}

class HeaviestFirst extends BaseSequencer {
  async sort(files: TestSpecification[]) {
    return [...files].sort((a, b) => rank(a) - rank(b))
  }
}

/** Files run at once: each spends much of its time waiting on its backends, its browser or Click's double. */
const LANES = 4

const integration = {
  // Click's Merchant API double first: the shared backends, booted by the pool, are given its URL.
  globalSetup: ["integration-tests/harness/redis-server.ts", "integration-tests/harness/click-merchant-api.ts", "integration-tests/harness/global-setup.ts"],
  setupFiles: ["integration-tests/harness/worker-env.ts"],
  // A case that restarts a backend or waits for a job shares 2 cores with three other lanes: the
  // bound is generous, and what must be fast (Click's answers) is asserted by the tests themselves.
  testTimeout: 300_000,
  hookTimeout: 900_000,
  // A lane's files share its worker's imports (the harness, pg, supertest, fast-check, the
  // protocol code) instead of a fresh process each; every file starts and stops what it uses.
  isolate: false,
}
const files = (names: string[]) => names.map((name) => `integration-tests/${name}.test.ts`)

export default defineConfig({
  test: {
    // vitest orders files with the root's sequencer, whichever project they belong to.
    sequence: { sequencer: HeaviestFirst },
    projects: [
      {
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          // One worker module graph for every unit file (no fresh process and imports per file):
          // they hold no state between files, so a fresh process and imports per file would only cost CPU.
          isolate: false,
          // In the integration files' lanes, after them: they fill the lanes the last long files leave idle.
          maxWorkers: LANES,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...integration,
          name: "integration",
          include: ["integration-tests/**/*.test.ts"],
          exclude: files(timedFiles),
          maxWorkers: LANES,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          ...integration,
          name: "integration-timed",
          include: files(timedFiles),
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
