import type { Backend } from "./backend"

/**
 * A database fault on Medusa's order inserts, from a trigger: every insert
 * fails (`fail`) or hangs for `seconds` (`slow`) until the returned function
 * removes it. Orders are the one write placement cannot do without.
 */
export async function faultOrderInserts(
  backend: Pick<Backend, "db">,
  fault: { kind: "fail" } | { kind: "slow"; seconds: number }
): Promise<() => Promise<void>> {
  const body =
    fault.kind === "fail"
      ? "RAISE EXCEPTION 'injected fault: orders are down';"
      : `PERFORM pg_sleep(${Number(fault.seconds)}); RETURN NEW;`
  await backend.db.query(`
    CREATE OR REPLACE FUNCTION click_test_order_fault() RETURNS trigger AS $$
    BEGIN ${body} END $$ LANGUAGE plpgsql;
    DROP TRIGGER IF EXISTS click_test_order_fault ON "order";
    CREATE TRIGGER click_test_order_fault BEFORE INSERT ON "order"
      FOR EACH ROW EXECUTE FUNCTION click_test_order_fault();`)
  return async () => {
    await backend.db.query(`DROP TRIGGER IF EXISTS click_test_order_fault ON "order"`)
  }
}
