import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { invoiceStateOf, isCredentialsRefusal } from "../../click"
import type { ClickInvoiceRecord } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import type { ClickCartInvoice } from "../../storefront"
import { clickModule } from "../click-transactions"
import { noteMerchantApiCredentials } from "../merchant-api-credentials"
import { paymentPolicy } from "../policy"

/** +998901234567 → +998*****4567: only this is stored, logged or answered. */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 4)}*****${phone.slice(-4)}`
}

/** The cart's newest invoice for the status route, with Click's word on it (asked at most every few seconds). */
export async function cartInvoice(container: MedusaContainer, cartId: string, log: Logger): Promise<ClickCartInvoice | null> {
  const invoice = await clickModule(container).invoices.latestInvoiceOfCart(cartId)
  return invoice ? invoiceView(container, invoice, { refresh: "throttled" }, log) : null
}

/**
 * An invoice as the storefront sees it. A waiting invoice is asked about at
 * Click; cancelled and paid are final and never asked again. When Click
 * cannot be asked the status is `unknown`: the cart's own status still holds.
 * Our own credentials refused (401/403) raise the admin alert that names the
 * fix, and Click's next answer closes it (merchant-api-credentials.ts).
 */
export async function invoiceView(
  container: MedusaContainer,
  invoice: ClickInvoiceRecord,
  options: { refresh: "always" | "throttled" },
  log: Logger
): Promise<ClickCartInvoice> {
  const known = invoiceStateOf(invoice.invoice_status)
  const checkedAt = invoice.status_checked_at ? new Date(invoice.status_checked_at).getTime() : 0
  const fresh = Date.now() - checkedAt < paymentPolicy().invoiceStatusRefreshMs
  if (known !== "waiting" || (options.refresh === "throttled" && fresh)) return toView(invoice, known)
  let serviceId: string | null = null
  try {
    const gateway = clickMerchantGateway(invoice.service_id)
    serviceId = gateway.serviceId
    const answer = await gateway.api.invoiceStatus(invoice.invoice_id)
    await noteMerchantApiCredentials(container, serviceId, { refused: false }, log)
    await clickModule(container).invoices.noteInvoiceStatus(invoice.id, {
      invoice_status: answer.invoiceStatus,
      invoice_status_note: answer.invoiceStatusNote,
    })
    return toView(invoice, invoiceStateOf(answer.invoiceStatus))
  } catch (error) {
    if (serviceId && isCredentialsRefusal(error)) {
      await noteMerchantApiCredentials(container, serviceId, { refused: true, detail: `invoice/status answered HTTP ${error.httpStatus}` }, log)
    }
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
