import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * The payment state machine: new states, the refund reason, work attempts
 * and their due time, the service id, and the audit trail of transitions. Decisions
 * that earlier versions kept as free text in `last_error` become states.
 */
export class Migration20261122183855 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists "click_payment_event" ("id" text not null, "transaction_id" text not null, "from_state" text check ("from_state" in ('prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed')) null, "to_state" text check ("to_state" in ('prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed')) not null, "reason" text not null, "detail" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "click_payment_event_pkey" primary key ("id"));`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_payment_event_deleted_at" ON "click_payment_event" ("deleted_at") WHERE deleted_at IS NULL;`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_payment_event_transaction_id" ON "click_payment_event" ("transaction_id") WHERE deleted_at IS NULL;`)

    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_state_check";`)
    this.addSql(`alter table if exists "click_transaction" add constraint "click_transaction_state_check" check ("state" in ('prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed'));`)
    this.addSql(`alter table if exists "click_transaction" add column if not exists "refund_reason" text check ("refund_reason" in ('unplaceable', 'double_payment', 'paid_elsewhere', 'refunded_by_admin')) null, add column if not exists "attempts" integer not null default 0, add column if not exists "next_attempt_at" timestamptz null, add column if not exists "placed_at" timestamptz null, add column if not exists "service_id" text null;`)

    // Earlier versions: a confirmed payment with an order is placed; the refund
    // notes they wrote into last_error become refund decisions.
    this.addSql(`update "click_transaction" set "state" = 'placed', "placed_at" = "updated_at" where "state" = 'confirmed' and "order_id" is not null;`)
    this.addSql(`update "click_transaction" set "state" = 'refund_required', "refund_reason" = 'unplaceable' where "state" = 'confirmed' and "order_id" is null and "last_error" like 'unplaceable:%';`)
    this.addSql(`update "click_transaction" set "state" = 'refund_required', "refund_reason" = 'double_payment' where "state" = 'prepared' and "last_error" like '%reverse this payment%';`)

    this.addSql(`DROP INDEX IF EXISTS "IDX_click_transaction_one_confirmed_per_cart";`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_transaction_one_paying_per_cart" ON "click_transaction" ("merchant_trans_id") WHERE state IN ('confirmed', 'placed') AND deleted_at IS NULL;`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_transaction_state_next_attempt_at" ON "click_transaction" ("state", "next_attempt_at") WHERE deleted_at IS NULL;`)
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS "IDX_click_transaction_state_next_attempt_at";`)
    this.addSql(`DROP INDEX IF EXISTS "IDX_click_transaction_one_paying_per_cart";`)
    this.addSql(`update "click_transaction" set "state" = 'confirmed' where "state" in ('placed', 'refund_required', 'reversed', 'reversal_failed') and "confirmed_at" is not null;`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_transaction_one_confirmed_per_cart" ON "click_transaction" ("merchant_trans_id") WHERE state = 'confirmed' AND deleted_at IS NULL;`)
    this.addSql(`alter table if exists "click_transaction" drop column if exists "refund_reason", drop column if exists "attempts", drop column if exists "next_attempt_at", drop column if exists "placed_at", drop column if exists "service_id";`)
    this.addSql(`drop table if exists "click_payment_event" cascade;`)
  }
}
