import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * A partial reversal whose answer was lost cannot be settled by Click's
 * payment/status (the payment stays paid either way): a person settles it
 * after checking Click's merchant cabinet (payments/money-back/click-reversals.ts
 * settleReversalOnPersonsWord). The row keeps who did, and what they saw.
 */
export class Migration20261207110000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_reversal" add column if not exists "settled_by" text null;`)
    this.addSql(`alter table if exists "click_reversal" add column if not exists "settled_note" text null;`)
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_reversal" drop column if exists "settled_by";`)
    this.addSql(`alter table if exists "click_reversal" drop column if exists "settled_note";`)
  }
}
