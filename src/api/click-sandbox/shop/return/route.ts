import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { sendSandboxPage } from "../../sandbox-page"
import { demoShopKeyOrRefuse, demoShopScript, shopHeader } from "../demo-shop"

/**
 * GET /click-sandbox/shop/return?cart_id=…: where Click sends the shopper
 * back (the sandbox's default `returnUrl`). The return itself proves nothing:
 * the page waits on the status route for what Click's callbacks recorded.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const publishableKey = await demoShopKeyOrRefuse(req, res)
  if (!publishableKey) return
  sendSandboxPage(
    res,
    "Click demo shop — your order",
    `${shopHeader}<p data-testid="payment-status">Checking your payment…</p>
<p data-testid="invoice-status" hidden>Confirm the payment in your Click app (<span data-testid="invoice-phone"></span>).
<a data-testid="open-click-app" href="#">Open the sandbox's Click app</a></p>
<button class="pay" data-testid="pay-again" hidden>Try again</button>
<p><a href="/click-sandbox/shop">Back to the shop</a></p>
<script>${demoShopScript(publishableKey)}
const cartId = new URLSearchParams(location.search).get("cart_id");
const statusLine = document.querySelector("[data-testid=payment-status]");
const payAgain = document.querySelector("[data-testid=pay-again]");
const messages = {
  awaiting_payment: "No payment has reached the shop yet.",
  processing: "Payment received, placing your order…",
  cancelled: "Payment cancelled — try again",
  refund_pending: "The payment could not become an order: it is being refunded.",
  refunded: "The payment was refunded.",
};
// The cart's Click session: of the backend's Click services, the one paying again and the sandbox's Click app use.
const clickSession = store("GET", "/store/carts/" + encodeURIComponent(cartId)).then(
  ({ cart }) => ((cart.payment_collection && cart.payment_collection.payment_sessions) || []).find((s) => s.provider_id.startsWith("pp_click_")),
  () => undefined
);
payAgain.addEventListener("click", async () => {
  payAgain.disabled = true;
  try {
    const session = await clickSession;
    location.href = (await clickWith(session && session.provider_id).startPayment(cartId)).paymentUrl;
  } catch (error) {
    showError(error);
    payAgain.disabled = false;
  }
});
const invoiceLine = document.querySelector("[data-testid=invoice-status]");
// "Confirm in your Click app" only while nothing was paid yet: after that the cart's status says it all.
function showInvoice(payment, session) {
  const invoice = payment.invoice;
  invoiceLine.hidden = payment.status !== "awaiting_payment" || !invoice || invoice.status !== "waiting";
  if (invoiceLine.hidden) return;
  document.querySelector("[data-testid=invoice-phone]").textContent = invoice.phone;
  const service = session && session.data && session.data.service_id ? "&service_id=" + encodeURIComponent(session.data.service_id) : "";
  document.querySelector("[data-testid=open-click-app]").href = "/click-sandbox/app?invoice_id=" + encodeURIComponent(invoice.invoice_id)
    + service + "&return_url=" + encodeURIComponent(location.pathname + location.search);
}
clickSession.then((session) => click.waitForOrder(cartId, {
  timeoutMs: 60000,
  onStatus: (payment) => {
    statusLine.textContent = payment.invoice && payment.invoice.status === "cancelled" && payment.status === "awaiting_payment"
      ? "The invoice was cancelled — try again"
      : messages[payment.status] || payment.status;
    showInvoice(payment, session);
  },
})).then((payment) => {
  if (payment.status === "paid") {
    statusLine.className = "ok";
    statusLine.textContent = "Order #" + payment.order_display_id + " placed";
  } else {
    payAgain.hidden = payment.status !== "cancelled" && payment.status !== "awaiting_payment";
  }
}).catch(showError);
</script>`
  )
}
