import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/** The confirmation stamp a confirmed payment carries until its placement writes it into Medusa's session. */
export class Migration20261203050000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" add column if not exists "confirmation_token" text null;`)
  }

  override async down(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop column if exists "confirmation_token";`)
  }
}
