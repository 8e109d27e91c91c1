import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { SandboxClick } from "../../../providers/click/sandbox-click"
import { escapeHtml as escape, sandboxClickFor, sendSandboxPage } from "../sandbox-page"

function query(req: MedusaRequest, name: string): string {
  const value = (req.query as Record<string, unknown>)[name] ?? (req.body as Record<string, unknown> | undefined)?.[name]
  return typeof value === "string" ? value : ""
}

/**
 * GET /click-sandbox/pay: Click's pay page, played locally in sandbox mode
 * (the provider's `payUrl` points here). It shows what Click shows: the
 * merchant, the order (cart id), the amount in soums, the card type, and Pay
 * or Decline. Outside sandbox mode it does not exist; in it, it serves only
 * this machine unless CLICK_SANDBOX_PUBLIC=true.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const click = sandboxClickFor(req, res)
  if (!click) return
  const amount = query(req, "amount")
  const cartId = query(req, "transaction_param")
  const cardType = query(req, "card_type")
  const hidden = ["service_id", "merchant_id", "amount", "transaction_param", "return_url"]
    .map((name) => `<input type="hidden" name="${name}" value="${escape(query(req, name))}">`)
    .join("")
  sendSandboxPage(
    res,
    "CLICK — pay",
    `<h1>CLICK</h1><div class="sandbox">Sandbox: no card is charged</div>
<dl><dt>Merchant</dt><dd>Service ${escape(query(req, "service_id"))} · merchant ${escape(query(req, "merchant_id"))}</dd>
<dt>Order</dt><dd data-testid="cart-id">${escape(cartId)}</dd>
${cardType ? `<dt>Card</dt><dd>${escape(cardType.toUpperCase())}</dd>` : ""}
<dt>Amount</dt><dd class="amount" data-testid="amount">${escape(SandboxClick.formatAmount(amount))} UZS</dd></dl>
<form method="post">${hidden}<button class="pay" name="choice" value="pay">Pay</button>
<button class="decline" name="choice" value="decline">Decline</button></form>`
  )
}

/**
 * POST /click-sandbox/pay: the shopper pressed Pay or Decline. Click's two
 * callbacks go to the merchant over HTTP (SandboxClick); the browser then
 * returns to `return_url`, or sees Click's error when the merchant refused.
 */
export async function POST(req: MedusaRequest, res: MedusaResponse) {
  const click = sandboxClickFor(req, res)
  if (!click) return
  const cartId = query(req, "transaction_param")
  const returnUrl = query(req, "return_url")
  if (query(req, "service_id") !== click.serviceId) {
    return sendSandboxPage(
      res,
      "CLICK — error",
      `<h1>CLICK</h1><p class="error">Unknown service ${escape(query(req, "service_id"))}.</p>`,
      400
    )
  }
  const result = await click.pay({ cartId, amount: query(req, "amount"), decline: query(req, "choice") === "decline" })
  if (result.error !== 0 && result.step === "prepare") {
    return sendSandboxPage(
      res,
      "CLICK — payment refused",
      `<h1>CLICK</h1><p class="error" data-testid="click-error">Payment refused by the merchant: error ${result.error} (${escape(result.errorNote)})</p>${
        returnUrl ? `<p><a href="${escape(returnUrl)}">Back to the shop</a></p>` : ""
      }`
    )
  }
  if (returnUrl) {
    return res.redirect(303, returnUrl)
  }
  res.json({ error: result.error, error_note: result.errorNote })
}
