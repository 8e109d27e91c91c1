import { Migration } from "@medusajs/framework/mikro-orm/migrations"

/** The fiscal receipt of each Click payment: its status, QR link, error, attempts and due time. */
export class Migration20261123001000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" add column if not exists "fiscal_status" text check ("fiscal_status" in ('pending', 'submitted', 'needs_product_codes', 'failed', 'reversed')) null, add column if not exists "fiscal_qr_url" text null, add column if not exists "fiscal_error" text null, add column if not exists "fiscal_attempts" integer not null default 0, add column if not exists "fiscal_next_attempt_at" timestamptz null;`)
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_transaction_fiscal_status_fiscal_next_attempt_at" ON "click_transaction" ("fiscal_status", "fiscal_next_attempt_at") WHERE deleted_at IS NULL;`)
  }

  override async down(): Promise<void> {
    this.addSql(`DROP INDEX IF EXISTS "IDX_click_transaction_fiscal_status_fiscal_next_attempt_at";`)
    this.addSql(`alter table if exists "click_transaction" drop column if exists "fiscal_status", drop column if exists "fiscal_qr_url", drop column if exists "fiscal_error", drop column if exists "fiscal_attempts", drop column if exists "fiscal_next_attempt_at";`)
  }
}
