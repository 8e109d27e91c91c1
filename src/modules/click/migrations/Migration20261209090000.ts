import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * Saved cards: the Click card tokens of customers' account holders. A row is
 * written when Click sent the SMS code (`card_token/request`) and becomes a
 * saved card, a Medusa payment method, once the code was verified. No card
 * number is kept, only Click's masked one (and the masked phone the code went
 * to); the token is useless without the merchant's Merchant API secret.
 *
 * Raw SQL, not a model, like `click_invoice`: read and written only by
 * `saved-cards.ts`, so `plugin:db:generate` leaves it alone.
 */
export class Migration20261209090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists "click_saved_card" (
      "id" text not null,
      "service_id" text not null,
      "account_holder_id" text not null,
      "card_token" text not null,
      "masked_phone" text not null,
      "masked_card_number" text null,
      "verify_attempts" integer not null default 0,
      "verified_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "click_saved_card_pkey" primary key ("id"));`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_saved_card_service_token" ON "click_saved_card" ("service_id", "card_token");`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_saved_card_account_holder" ON "click_saved_card" ("account_holder_id", "created_at");`)
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "click_saved_card" cascade;`)
  }
}
