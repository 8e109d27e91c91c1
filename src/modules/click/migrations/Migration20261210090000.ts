import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * How Click debited an attempt: through Click's own page or app, whose
 * Prepare and Complete callbacks write the row (`click_callbacks`), or by our
 * `card_token/payment` with a customer's saved card (`card_token`), which
 * writes the row before Click is asked (payments/views/saved-card-payment.ts).
 */
export class Migration20261210090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `alter table if exists "click_transaction" add column if not exists "debit_via" text check ("debit_via" in ('click_callbacks', 'card_token')) not null default 'click_callbacks';`
    )
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop column if exists "debit_via";`)
  }
}
