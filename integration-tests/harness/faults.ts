import type { Backend } from "./backend"

/**
 * A database fault on the inserts into `table`, from a trigger: every insert
 * fails (`fail`) or hangs for `seconds` (`slow`) until the returned function
 * removes it.
 */
export async function faultInserts(
  backend: Pick<Backend, "db">,
  table: string,
  fault: { kind: "fail" } | { kind: "slow"; seconds: number }
): Promise<() => Promise<void>> {
  const name = `click_test_fault_${table.replace(/\W/g, "_")}`
  const body =
    fault.kind === "fail"
      ? `RAISE EXCEPTION 'injected fault: ${table} inserts are down';`
      : `PERFORM pg_sleep(${Number(fault.seconds)}); RETURN NEW;`
  await backend.db.query(`
    CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$
    BEGIN ${body} END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS ${name} ON "${table}";
    CREATE TRIGGER ${name} BEFORE INSERT ON "${table}"
      FOR EACH ROW EXECUTE FUNCTION ${name}();`)
  return async () => {
    await backend.db.query(`DROP TRIGGER IF EXISTS ${name} ON "${table}"`)
  }
}

/** Orders are the one write placement cannot do without. */
export const faultOrderInserts = (backend: Pick<Backend, "db">, fault: Parameters<typeof faultInserts>[2]) =>
  faultInserts(backend, "order", fault)
