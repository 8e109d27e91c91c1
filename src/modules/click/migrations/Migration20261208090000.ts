import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/**
 * Pay by phone: every invoice this backend asked Click to send to a shopper's
 * Click app (`invoice/create`), so that the cart's status can report it. An
 * invoice is not a debit: the money still arrives as Click's Prepare and
 * Complete and is recorded in `click_transaction`. The phone number is kept
 * masked only (its last four digits).
 *
 * Raw SQL, not a model, like `click_reversal`: read and written only by
 * ClickInvoicesService, so `plugin:db:generate` leaves it alone.
 */
export class Migration20261208090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table if not exists "click_invoice" (
      "id" text not null,
      "invoice_id" text not null,
      "service_id" text not null,
      "merchant_trans_id" text not null,
      "payment_session_id" text not null,
      "amount_tiyin" bigint not null check ("amount_tiyin" > 0),
      "masked_phone" text not null,
      "invoice_status" integer null,
      "invoice_status_note" text null,
      "status_checked_at" timestamptz null,
      "created_at" timestamptz not null default now(),
      "updated_at" timestamptz not null default now(),
      constraint "click_invoice_pkey" primary key ("id"));`)
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_invoice_service_invoice" ON "click_invoice" ("service_id", "invoice_id");`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_invoice_merchant_trans_id" ON "click_invoice" ("merchant_trans_id", "created_at");`)
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "click_invoice" cascade;`)
  }
}
