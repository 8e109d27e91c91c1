import pg from "pg"
import type { Backend } from "./backend"

/** The recovery and reversal jobs every second, retries after 1 s: a fault's aftermath settles within seconds. */
export const fastJobsEnv = {
  CLICK_ORDER_RETRY_CRON: "* * * * * *",
  CLICK_REVERSAL_CRON: "* * * * * *",
  CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
}

type DatabaseFault = ({ kind: "fail" } | { kind: "slow"; seconds: number } | { kind: "hold" }) & {
  /** Only the rows whose `column` is `equals`, so that one cart is caught where others pass (default: every row). */
  only?: { column: string; equals: string }
}

/**
 * A database fault on the inserts into `table`, from a trigger: every insert
 * fails (`fail`), hangs for `seconds` (`slow`), or waits until the test lets it
 * go (`hold`: releaseHeld, or the returned function), until the returned
 * function removes it.
 */
export function faultInserts(
  backend: Pick<Backend, "db" | "databaseUrl">,
  table: string,
  fault: DatabaseFault
): Promise<() => Promise<void>> {
  return faultWrites(backend, table, fault, "INSERT")
}

/** The same fault on the table's deletes (a row's own, or a cascade's). */
export function faultDeletes(
  backend: Pick<Backend, "db" | "databaseUrl">,
  table: string,
  fault: DatabaseFault
): Promise<() => Promise<void>> {
  return faultWrites(backend, table, fault, "DELETE")
}

/** The same fault on the table's updates. */
export function faultUpdates(
  backend: Pick<Backend, "db" | "databaseUrl">,
  table: string,
  fault: DatabaseFault
): Promise<() => Promise<void>> {
  return faultWrites(backend, table, fault, "UPDATE")
}

async function faultWrites(
  backend: Pick<Backend, "db" | "databaseUrl">,
  table: string,
  fault: DatabaseFault,
  operation: WriteOperation
): Promise<() => Promise<void>> {
  const name = faultName(table, operation)
  // A delete's row is OLD, and returning it lets the delete go on.
  const row = operation === "DELETE" ? "OLD" : "NEW"
  if (fault.kind === "hold") await holdLock(backend, name)
  const body =
    fault.kind === "fail"
      ? `RAISE EXCEPTION 'injected fault: ${table} ${operation.toLowerCase()}s are down';`
      : fault.kind === "slow"
        ? `PERFORM pg_sleep(${Number(fault.seconds)}); RETURN ${row};`
        : `PERFORM pg_advisory_lock_shared(${holdKey(name)}); PERFORM pg_advisory_unlock_shared(${holdKey(name)}); RETURN ${row};`
  const only = fault.only ? `WHEN (${row}."${fault.only.column}" = ${sqlText(fault.only.equals)})` : ""
  await backend.db.query(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN ${body} END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS ${name} ON "${table}";
    CREATE TRIGGER ${name} BEFORE ${operation} ON "${table}"
      FOR EACH ROW ${only} EXECUTE FUNCTION ${name}();`)
  return async () => {
    // Every held write goes on first: dropping the trigger waits for each transaction that
    // wrote the table, and one of them may be held at another table's fault.
    await releaseAllHeld(backend)
    await backend.db.query(`DROP TRIGGER IF EXISTS ${name} ON "${table}"`)
  }
}

type WriteOperation = "INSERT" | "UPDATE" | "DELETE"

const faultName = (table: string, operation: WriteOperation) =>
  `click_test_fault_${operation.toLowerCase()}_${table.replace(/\W/g, "_")}`

/** The advisory lock a `hold` fault's writes wait for, in its own key space. */
const holdKey = (name: string) => `hashtext('click_test_fault'), hashtext(${sqlText(name)})`

/**
 * The held faults' locks, each on a connection of its own: a held write waits
 * for it in PostgreSQL (not on a timer), and goes on the moment it is let go,
 * or the test's process ends.
 */
const holders = new Map<string, { databaseUrl: string; release(): Promise<void> }>()

async function holdLock(backend: Pick<Backend, "databaseUrl">, name: string): Promise<void> {
  const key = `${backend.databaseUrl} ${name}`
  await holders.get(key)?.release()
  const client = new pg.Client({ connectionString: backend.databaseUrl })
  client.on("error", () => {})
  await client.connect()
  await client.query(`SELECT pg_advisory_lock(${holdKey(name)})`)
  let released: Promise<void> | undefined
  const holder = {
    databaseUrl: backend.databaseUrl,
    release: () =>
      (released ??= (async () => {
        holders.delete(key)
        await client.end().catch(() => {})
      })()),
  }
  holders.set(key, holder)
}

async function releaseAllHeld(backend: Pick<Backend, "databaseUrl">): Promise<void> {
  await Promise.all([...holders.values()].filter((h) => h.databaseUrl === backend.databaseUrl).map((h) => h.release()))
}

/** Lets the writes a `hold` fault on `table` holds go on now; the fault itself stays, see disarmFault. */
export async function releaseHeld(backend: Pick<Backend, "databaseUrl">, table: string, operation: WriteOperation): Promise<void> {
  await holders.get(`${backend.databaseUrl} ${faultName(table, operation)}`)?.release()
}

/**
 * Makes the fault on `table`'s writes pass from now on, without touching the
 * table: dropping a trigger waits for every open transaction that wrote the
 * table, and a frozen process's one stays open. Writes already held stay
 * held: until their sleep ends (`slow`) or releaseHeld (`hold`). The trigger
 * itself goes with the returned restore function.
 */
export async function disarmFault(backend: Pick<Backend, "db">, table: string, operation: WriteOperation): Promise<void> {
  const name = faultName(table, operation)
  await backend.db.query(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RETURN ${operation === "DELETE" ? "OLD" : "NEW"}; END $$ LANGUAGE plpgsql`)
}

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`

/** Orders are the one write placement cannot do without. */
export const faultOrderInserts = (backend: Pick<Backend, "db" | "databaseUrl">, fault: Parameters<typeof faultInserts>[2]) =>
  faultInserts(backend, "order", fault)

/**
 * Waits until a statement like `pattern` runs in the backend's database (a
 * fault trigger holds it there). With `hungMs`, only one that has run that
 * long counts (the held one, not another cart's passing the same way). With
 * `terminate`, kills the PostgreSQL backend running it, as a failover or an
 * operator's kill would.
 */
export async function waitForStatement(
  backend: Pick<Backend, "db">,
  pattern: string,
  options: { terminate?: boolean; timeoutMs?: number; hungMs?: number } = {}
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  while (Date.now() < deadline) {
    const { rows } = await backend.db.query(
      `SELECT pid, CASE WHEN $2 THEN pg_terminate_backend(pid) END AS terminated FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE $1
          AND now() - query_start >= make_interval(secs => $3::float / 1000)`,
      [pattern, options.terminate === true, options.hungMs ?? 0]
    )
    if (rows.length && (!options.terminate || rows.some((r) => r.terminated))) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`no statement like ${pattern} ran`)
}

/** Waits until no statement like `pattern` runs in the backend's database any more (a dead process's one has ended). */
export async function waitUntilNoStatement(backend: Pick<Backend, "db">, pattern: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const { rows } = await backend.db.query(
      `SELECT 1 FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query ILIKE $1`,
      [pattern]
    )
    if (rows.length === 0) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`a statement like ${pattern} still ran after ${timeoutMs} ms`)
}
