import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * The lease of a running piece of work (placing, reversing, reconciling),
 * apart from when the next attempt is due, so that a person's "retry now"
 * can make waiting work due without starting a second run beside a live one.
 */
export class Migration20261122234500 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" add column if not exists "leased_until" timestamptz null;`)
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop column if exists "leased_until";`)
  }
}
