import type { MedusaContainer } from "@medusajs/framework/types"
import { invoiceStateOf } from "../../click"
import type { ClickInvoiceRecord } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import type { ClickCartInvoice } from "../../storefront"
import { clickModule } from "../click-transactions"
import { paymentPolicy } from "../policy"

/** +998901234567 → +998*****4567: only this is stored, logged or answered. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 4)}*****${phone.slice(-4)}`
}

/** The cart's newest invoice for the status route, with Click's word on it (asked at most every few seconds). */
export async function cartInvoice(container: MedusaContainer, cartId: string): Promise<ClickCartInvoice | null> {
  const invoice = await clickModule(container).invoices.latestInvoiceOfCart(cartId)
  return invoice ? invoiceView(container, invoice, { refresh: "throttled" }) : null
}

/**
 * An invoice as the storefront sees it. A waiting invoice is asked about at
 * Click; cancelled and paid are final and never asked again. When Click
 * cannot be asked the status is `unknown`: the cart's own status still holds.
 */
export async function invoiceView(
  container: MedusaContainer,
  invoice: ClickInvoiceRecord,
  options: { refresh: "always" | "throttled" }
): Promise<ClickCartInvoice> {
  const known = invoiceStateOf(invoice.invoice_status)
  const checkedAt = invoice.status_checked_at ? new Date(invoice.status_checked_at).getTime() : 0
  const fresh = Date.now() - checkedAt < paymentPolicy().invoiceStatusRefreshMs
  if (known !== "waiting" || (options.refresh === "throttled" && fresh)) return toView(invoice, known)
  try {
    const answer = await clickMerchantGateway(invoice.service_id).api.invoiceStatus(invoice.invoice_id)
    await clickModule(container).invoices.noteInvoiceStatus(invoice.id, {
      invoice_status: answer.invoiceStatus,
      invoice_status_note: answer.invoiceStatusNote,
    })
    return toView(invoice, invoiceStateOf(answer.invoiceStatus))
  } catch {
    return toView(invoice, "unknown")
  }
}

export function toView(invoice: ClickInvoiceRecord, status: ClickCartInvoice["status"]): ClickCartInvoice {
  return {
    invoice_id: invoice.invoice_id,
    phone: invoice.masked_phone,
    status,
    created_at: new Date(invoice.created_at).toISOString(),
  }
}
