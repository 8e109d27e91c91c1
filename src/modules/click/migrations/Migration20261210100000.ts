import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * A temporary card token (Click's `temporary=1`): verified for one payment,
 * never a Medusa payment method nor listed, and forgotten once that payment
 * was asked for (payments/views/saved-card-payment.ts).
 */
export class Migration20261210100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_saved_card" add column if not exists "temporary" boolean not null default false;`)
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_saved_card" drop column if exists "temporary";`)
  }
}
