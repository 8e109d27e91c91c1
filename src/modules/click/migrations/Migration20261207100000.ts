import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * Reversals at most once (src/payments/money-back/click-reversals.ts): every reversal,
 * full or partial, is a row written before its request leaves. `sent` is a
 * reversal whose outcome is not known yet (in flight, or its answer was lost):
 * at most one per payment (a partial unique index), so no second reversal is
 * sent while one is uncertain. A trigger refuses reversals (sent or done) that
 * add up to more than the payment's captured amount; it locks the payment's
 * row first, so that two inserts for one payment are counted one after the
 * other.
 *
 * Raw SQL, not a model: the table is never read through the ORM, and the
 * module's snapshot does not list it, so `plugin:db:generate` leaves it alone.
 */
export class Migration20261207100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists "click_reversal" (
      "id" text not null,
      "transaction_id" text not null references "click_transaction" ("id"),
      "service_id" text null,
      "paydoc_id" text not null,
      "amount_tiyin" bigint not null check ("amount_tiyin" > 0),
      "full_reversal" boolean not null,
      "status" text not null check ("status" in ('sent', 'done', 'refused', 'not_done')),
      "requested_by" text not null,
      "click_error_code" integer null,
      "click_answer" text null,
      "sent_at" timestamptz not null default now(),
      "settled_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "click_reversal_pkey" primary key ("id"));`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_reversal_one_unsettled" ON "click_reversal" ("transaction_id") WHERE "status" = 'sent';`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_reversal_transaction_id" ON "click_reversal" ("transaction_id");`)
    this.addSql(`CREATE OR REPLACE FUNCTION click_reversal_within_captured() RETURNS trigger AS $$
      DECLARE
        captured numeric;
        counted numeric;
      BEGIN
        IF NEW.status NOT IN ('sent', 'done') THEN
          RETURN NEW;
        END IF;
        SELECT amount_tiyin INTO captured FROM click_transaction WHERE id = NEW.transaction_id FOR UPDATE;
        SELECT COALESCE(SUM(amount_tiyin), 0) INTO counted FROM click_reversal
         WHERE transaction_id = NEW.transaction_id AND status IN ('sent', 'done') AND id <> NEW.id;
        IF counted + NEW.amount_tiyin > captured THEN
          RAISE EXCEPTION 'click_reversal_exceeds_captured: % tiyin reversed or in flight, % more asked, % captured', counted, NEW.amount_tiyin, captured
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$ LANGUAGE plpgsql;`)
    this.addSql(`DROP TRIGGER IF EXISTS "click_reversal_within_captured" ON "click_reversal";`)
    this.addSql(`CREATE TRIGGER "click_reversal_within_captured" BEFORE INSERT OR UPDATE OF "status", "amount_tiyin" ON "click_reversal"
      FOR EACH ROW EXECUTE FUNCTION click_reversal_within_captured();`)
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "click_reversal" cascade;`)
    this.addSql(`DROP FUNCTION IF EXISTS click_reversal_within_captured();`)
  }
}
