import type { Backend } from "./backend"

/** The recovery and reversal jobs every second, retries after 1 s: a fault's aftermath settles within seconds. */
export const fastJobsEnv = {
  CLICK_ORDER_RETRY_CRON: "* * * * * *",
  CLICK_REVERSAL_CRON: "* * * * * *",
  CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
}

type DatabaseFault = ({ kind: "fail" } | { kind: "slow"; seconds: number }) & {
  /** Only the rows whose `column` is `equals`, so that one cart is caught where others pass (default: every row). */
  only?: { column: string; equals: string }
}

/**
 * A database fault on the inserts into `table`, from a trigger: every insert
 * fails (`fail`) or hangs for `seconds` (`slow`) until the returned function
 * removes it.
 */
export function faultInserts(
  backend: Pick<Backend, "db">,
  table: string,
  fault: DatabaseFault
): Promise<() => Promise<void>> {
  return faultWrites(backend, table, fault, "INSERT")
}

/** The same fault on the table's updates. */
export function faultUpdates(
  backend: Pick<Backend, "db">,
  table: string,
  fault: DatabaseFault
): Promise<() => Promise<void>> {
  return faultWrites(backend, table, fault, "UPDATE")
}

async function faultWrites(
  backend: Pick<Backend, "db">,
  table: string,
  fault: DatabaseFault,
  operation: "INSERT" | "UPDATE"
): Promise<() => Promise<void>> {
  const name = `click_test_fault_${operation.toLowerCase()}_${table.replace(/\W/g, "_")}`
  const body =
    fault.kind === "fail"
      ? `RAISE EXCEPTION 'injected fault: ${table} ${operation.toLowerCase()}s are down';`
      : `PERFORM pg_sleep(${Number(fault.seconds)}); RETURN NEW;`
  const only = fault.only ? `WHEN (NEW."${fault.only.column}" = ${sqlText(fault.only.equals)})` : ""
  await backend.db.query(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN ${body} END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS ${name} ON "${table}";
    CREATE TRIGGER ${name} BEFORE ${operation} ON "${table}"
      FOR EACH ROW ${only} EXECUTE FUNCTION ${name}();`)
  return async () => {
    await backend.db.query(`DROP TRIGGER IF EXISTS ${name} ON "${table}"`)
  }
}

/**
 * Makes the fault on `table`'s writes pass from now on, without touching the
 * table: dropping a trigger waits for every open transaction that wrote the
 * table, and a frozen process's one stays open. Writes already held finish
 * their wait. The trigger itself goes with the returned restore function.
 */
export async function disarmFault(backend: Pick<Backend, "db">, table: string, operation: "INSERT" | "UPDATE"): Promise<void> {
  const name = `click_test_fault_${operation.toLowerCase()}_${table.replace(/\W/g, "_")}`
  await backend.db.query(`CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RETURN NEW; END $$ LANGUAGE plpgsql`)
}

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`

/** Orders are the one write placement cannot do without. */
export const faultOrderInserts = (backend: Pick<Backend, "db">, fault: Parameters<typeof faultInserts>[2]) =>
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
