import type { Context, DAL } from "@medusajs/framework/types"
import { generateEntityId, InjectManager, MedusaContext } from "@medusajs/framework/utils"
import type { SqlEntityManager } from "@medusajs/framework/mikro-orm/postgresql"
import type { ClickInvoiceRecord, NewClickInvoice } from "../types"

/**
 * The invoices Click sent to shoppers' Click apps for this backend (pay by
 * phone, `click_invoice`). An invoice moves no money and no payment state:
 * only Click's Prepare and Complete do, as for a pay-page payment.
 */
export class ClickInvoicesService {
  protected readonly baseRepository_: DAL.RepositoryService

  constructor(container: { baseRepository: DAL.RepositoryService }) {
    this.baseRepository_ = container.baseRepository
  }

  /** Records an invoice Click created (its status: created, until Click is asked). */
  @InjectManager()
  async recordInvoice(invoice: NewClickInvoice, @MedusaContext() sharedContext: Context = {}): Promise<ClickInvoiceRecord> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `INSERT INTO click_invoice (id, invoice_id, service_id, merchant_trans_id, payment_session_id, amount_tiyin,
                                  masked_phone, invoice_status, status_checked_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())
    RETURNING ${COLUMNS}`,
      [
        generateEntityId(undefined, "clickinv"),
        invoice.invoice_id,
        invoice.service_id,
        invoice.merchant_trans_id,
        invoice.payment_session_id,
        invoice.amount_tiyin,
        invoice.masked_phone,
        invoice.invoice_status,
      ]
    )
    return rows[0] as ClickInvoiceRecord
  }

  /** The cart's newest invoice, if it has one. */
  @InjectManager()
  async latestInvoiceOfCart(cartId: string, @MedusaContext() sharedContext: Context = {}): Promise<ClickInvoiceRecord | undefined> {
    const rows = await (sharedContext.manager as SqlEntityManager).execute(
      `SELECT ${COLUMNS} FROM click_invoice WHERE merchant_trans_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`,
      [cartId]
    )
    return rows[0] as ClickInvoiceRecord | undefined
  }

  /** What Click's invoice/status said last, and when. */
  @InjectManager()
  async noteInvoiceStatus(
    id: string,
    status: { invoice_status: number; invoice_status_note: string | null },
    @MedusaContext() sharedContext: Context = {}
  ): Promise<void> {
    await (sharedContext.manager as SqlEntityManager).execute(
      `UPDATE click_invoice SET invoice_status = ?, invoice_status_note = ?, status_checked_at = now(), updated_at = now()
        WHERE id = ?`,
      [status.invoice_status, status.invoice_status_note?.slice(0, 255) ?? null, id]
    )
  }
}

const COLUMNS = `id, invoice_id, service_id, merchant_trans_id, payment_session_id, amount_tiyin::text AS amount_tiyin,
  masked_phone, invoice_status, invoice_status_note, status_checked_at, created_at`
