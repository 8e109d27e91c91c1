import { Migration } from "@medusajs/framework/mikro-orm/migrations"

const STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed', 'contradicted'"
const OLD_STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed'"

/**
 * A debit is real only when Click says so: placement asks Click's Merchant API
 * about a confirmed payment first. The new state `contradicted` (Click says the
 * money was not taken) and what Click answered.
 */
export class Migration20261205090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_state_check";`)
    this.addSql(`alter table if exists "click_transaction" add constraint "click_transaction_state_check" check ("state" in (${STATES}));`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_from_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_from_state_check" check ("from_state" in (${STATES}));`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_to_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_to_state_check" check ("to_state" in (${STATES}));`)
    this.addSql(`alter table if exists "click_transaction" add column if not exists "verified_payment_status" integer null, add column if not exists "verification_answer" text null, add column if not exists "verified_at" timestamptz null, add column if not exists "verification_waits" integer not null default 0;`)
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop column if exists "verified_payment_status", drop column if exists "verification_answer", drop column if exists "verified_at", drop column if exists "verification_waits";`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_to_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_to_state_check" check ("to_state" in (${OLD_STATES}));`)
    this.addSql(`alter table if exists "click_payment_event" drop constraint if exists "click_payment_event_from_state_check";`)
    this.addSql(`alter table if exists "click_payment_event" add constraint "click_payment_event_from_state_check" check ("from_state" in (${OLD_STATES}));`)
    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_state_check";`)
    this.addSql(`alter table if exists "click_transaction" add constraint "click_transaction_state_check" check ("state" in (${OLD_STATES}));`)
  }
}
