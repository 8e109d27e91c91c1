import { Migration } from "@medusajs/framework/mikro-orm/migrations";

export class Migration20261122035703 extends Migration {

  override async up(): Promise<void> {
    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_merchant_prepare_id_unique";`);
    this.addSql(`alter table if exists "click_transaction" drop constraint if exists "click_transaction_click_trans_id_unique";`);
    this.addSql(`create table if not exists "click_callback" ("id" text not null, "endpoint" text check ("endpoint" in ('prepare', 'complete')) not null, "click_trans_id" text null, "merchant_trans_id" text null, "fields" jsonb not null, "signature_valid" boolean null, "error" integer not null, "reason" text null, "response" jsonb not null, "duration_ms" integer not null, "remote_address" text null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "click_callback_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_callback_deleted_at" ON "click_callback" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_callback_click_trans_id" ON "click_callback" ("click_trans_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_callback_merchant_trans_id" ON "click_callback" ("merchant_trans_id") WHERE deleted_at IS NULL;`);

    this.addSql(`create table if not exists "click_transaction" ("id" text not null, "merchant_prepare_id" serial, "click_trans_id" text not null, "click_paydoc_id" text null, "merchant_trans_id" text not null, "payment_session_id" text not null, "amount" text not null, "amount_tiyin" numeric not null, "state" text check ("state" in ('prepared', 'confirmed', 'cancelled')) not null default 'prepared', "sign_time" text not null, "complete_click_trans_id" text null, "click_error" text null, "order_id" text null, "last_error" text null, "confirmed_at" timestamptz null, "cancelled_at" timestamptz null, "raw_amount_tiyin" jsonb not null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), "deleted_at" timestamptz null, constraint "click_transaction_pkey" primary key ("id"));`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_transaction_deleted_at" ON "click_transaction" ("deleted_at") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_transaction_click_trans_id_unique" ON "click_transaction" ("click_trans_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_transaction_merchant_prepare_id_unique" ON "click_transaction" ("merchant_prepare_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE INDEX IF NOT EXISTS "IDX_click_transaction_merchant_trans_id" ON "click_transaction" ("merchant_trans_id") WHERE deleted_at IS NULL;`);
    this.addSql(`CREATE UNIQUE INDEX IF NOT EXISTS "IDX_click_transaction_one_confirmed_per_cart" ON "click_transaction" ("merchant_trans_id") WHERE state = 'confirmed' AND deleted_at IS NULL;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists "click_callback" cascade;`);

    this.addSql(`drop table if exists "click_transaction" cascade;`);
  }

}
