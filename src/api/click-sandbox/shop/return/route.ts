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
payAgain.addEventListener("click", async () => {
  payAgain.disabled = true;
  try {
    location.href = (await click.startPayment(cartId)).paymentUrl;
  } catch (error) {
    showError(error);
    payAgain.disabled = false;
  }
});
click.waitForOrder(cartId, {
  timeoutMs: 60000,
  onStatus: (payment) => (statusLine.textContent = messages[payment.status] || payment.status),
}).then((payment) => {
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
