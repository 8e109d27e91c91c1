import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { formatTiyinAsSoums } from "../../../click"
import { escapeHtml as escape, sandboxClickFor, sendSandboxPage } from "../sandbox-page"

function field(req: MedusaRequest, name: string): string {
  const value = (req.query as Record<string, unknown>)[name] ?? (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof value === "string" ? value : ""
}

/** Where the shopper goes back to: only a page of this backend (a path), never another site. */
function localReturnUrl(req: MedusaRequest): string {
  const url = field(req, "return_url")
  return url.startsWith("/") && !url.startsWith("//") ? url : ""
}

/**
 * GET /click-sandbox/app?invoice_id=…[&service_id=…]: the Click app's "confirm
 * the payment" screen, played locally in sandbox mode (pay by phone). It shows
 * the invoice as the Merchant API double of its service keeps it (service_id
 * names the service when the backend has several; each double numbers its
 * own invoices), with Confirm. Sandbox only, for the callers the sandbox serves.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const click = sandboxClickFor(req, res)
  if (!click) return
  const invoice = await click.invoice(field(req, "invoice_id"))
  if (!invoice) {
    return sendSandboxPage(res, "CLICK — app", `<h1>CLICK</h1><p class="error">No such invoice.</p>`, 404)
  }
  const returnUrl = localReturnUrl(req)
  const confirmable = invoice.status === "created"
  sendSandboxPage(
    res,
    "CLICK — app",
    `<h1>CLICK</h1><div class="sandbox">Sandbox: the Click app on ${escape(invoice.phone_number)}, no card is charged</div>
<dl><dt>Invoice</dt><dd>${escape(invoice.invoice_id)}</dd>
<dt>Order</dt><dd data-testid="cart-id">${escape(invoice.merchant_trans_id)}</dd>
<dt>Amount</dt><dd class="amount" data-testid="amount">${escape(formatTiyinAsSoums(BigInt(invoice.amount_tiyin)))} UZS</dd></dl>
${
  confirmable
    ? `<form method="post"><input type="hidden" name="invoice_id" value="${escape(invoice.invoice_id)}">
<input type="hidden" name="service_id" value="${escape(click.serviceId)}">
<input type="hidden" name="return_url" value="${escape(returnUrl)}"><button class="pay">Confirm</button></form>`
    : `<p data-testid="invoice-status">This invoice is ${escape(invoice.status)}.</p>`
}`
  )
}

/** POST /click-sandbox/app: Confirm. Click pays the invoice (Prepare, Complete to this backend), then back to the shop. */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const click = sandboxClickFor(req, res)
  if (!click) return
  const result = await click.confirmInvoice(field(req, "invoice_id"))
  const returnUrl = localReturnUrl(req)
  if (result.error !== 0) {
    return sendSandboxPage(
      res,
      "CLICK — payment refused",
      `<h1>CLICK</h1><p class="error" data-testid="click-error">Payment refused: error ${result.error} (${escape(result.errorNote)})</p>${
        returnUrl ? `<p><a href="${escape(returnUrl)}">Back to the shop</a></p>` : ""
      }`
    )
  }
  if (returnUrl) return res.redirect(303, returnUrl)
  res.json({ error: result.error, error_note: result.errorNote })
}
