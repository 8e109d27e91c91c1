import { Migration } from "@medusajs/framework/mikro-orm/migrations"

// Every state so far and the new 'queued' and 'refunded_outside_click'.
const STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed', 'contradicted', 'duplicate', 'queued', 'refunded_outside_click'"
const OLD_STATES = "'prepared', 'confirmed', 'placed', 'cancelled', 'refund_required', 'reversed', 'reversal_failed', 'contradicted', 'duplicate'"

/**
 * A cart paid twice gives one order and one reversal (`queued`: a debit waiting
 * on the cart's confirmed attempt), and a cancellation Click refuses to reverse
 * can be finished by a person (`refunded_outside_click`).
 */
export class Migration20261207090000 extends Migration {
  override async up(): Promise<void> {
    this.constrainStates(STATES)
  }

  override async down(): Promise<void> {
    // No earlier state tells what these rows mean (a queued debit may still become
    // the order; a refunded_outside_click one must never be reversed): refuse.
    this.addSql(`do $$ begin if exists (select 1 from "click_transaction" where "state" in ('queued', 'refunded_outside_click') and "deleted_at" is null) then raise exception 'Click payments in state queued or refunded_outside_click exist: settle them before rolling this migration back'; end if; end $$;`)
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
