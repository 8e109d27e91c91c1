import { Migration } from "@medusajs/framework/mikro-orm/migrations"

// Every state so far ('contradicted' came with 20261205090000) and the new 'duplicate'.
const STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed', 'contradicted', 'duplicate'"
const OLD_STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed', 'contradicted'"

/**
 * Reconciliation never guesses: its own streak of Click's "no" answers, since
 * when Click reports a payment in progress, when it stopped being asked; the
 * state `duplicate` (the same Click payment as another attempt); and the
 * admin-visible alerts of the backend's own configuration (`click_alert`).
 */
export class Migration20261206120000 extends Migration {
  override async up(): Promise<void> {
    this.constrainStates(STATES)
    this.addSql(`alter table if exists "click_transaction" add column if not exists "reconcile_no_count" integer not null default 0, add column if not exists "reconcile_no_since" timestamptz null, add column if not exists "reconcile_in_progress_since" timestamptz null, add column if not exists "reconcile_stalled_at" timestamptz null;`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_transaction_click_paydoc_id" ON "click_transaction" ("click_paydoc_id") WHERE deleted_at IS NULL AND click_paydoc_id IS NOT NULL;`)
    this.addSql(`create table if not exists "click_alert" ("id" text not null, "key" text not null, "service_id" text null, "message" text not null, "occurrences" integer not null default 1, "opened_at" timestamptz not null, "last_seen_at" timestamptz not null, "resolved_at" timestamptz null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "click_alert_pkey" primary key ("id"));`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_alert_key_unique" ON "click_alert" ("key") WHERE deleted_at IS NULL;`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_alert_deleted_at" ON "click_alert" ("deleted_at") WHERE deleted_at IS NULL;`)
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "click_alert" cascade;`)
    this.addSql(`DROP INDEX IF EXISTS "IDX_click_transaction_click_paydoc_id";`)
    this.addSql(`alter table if exists "click_transaction" drop column if exists "reconcile_no_count", drop column if exists "reconcile_no_since", drop column if exists "reconcile_in_progress_since", drop column if exists "reconcile_stalled_at";`)
    this.addSql(`update "click_transaction" set "state" = 'cancelled' where "state" = 'duplicate';`)
    this.constrainStates(OLD_STATES)
  }

  private constrainStates(states: string): void {
    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_state_check";`)
    this.addSql(`alter table if exists "click_transaction" add constraint "click_transaction_state_check" check ("state" in (${states}));`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_from_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_from_state_check" check ("from_state" in (${states}));`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_to_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_to_state_check" check ("to_state" in (${states}));`)
  }
}
