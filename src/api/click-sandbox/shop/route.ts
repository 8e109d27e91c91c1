import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { sendSandboxPage } from "../sandbox-page"
import { demoShopKeyOrRefuse, demoShopScript, shopHeader } from "./demo-shop"

/**
 * GET /click-sandbox/shop: a one-page storefront for trying Click locally.
 * It lists the store's products, builds a cart through the store API and
 * sends the browser to the Click session's `payment_url`, or (Pay by phone)
 * asks for an invoice to the phone's Click app, with the Click service the
 * shopper picks among the region's, or (Pay with a saved card) has the demo
 * customer's saved card debited by its own service. Sandbox only.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const publishableKey = await demoShopKeyOrRefuse(req, res)
  if (!publishableKey) return
  sendSandboxPage(
    res,
    "Click demo shop",
    `${shopHeader}<label>Your Click phone (pay by phone) <input data-testid="phone" value="+998901234567"></label>
<label data-testid="click-service-choice" hidden>Click service <select data-testid="click-service"></select></label>
<section class="product" data-testid="saved-cards">
<h2>Pay with a saved card</h2>
<p data-testid="customer">Saved cards belong to a logged-in customer.</p>
<button class="decline" data-testid="log-in">Log in as the demo customer</button>
<div data-testid="card-area" hidden>
<div data-testid="cards"></div>
<form data-testid="add-card"><label>Card number <input data-testid="card-number" inputmode="numeric" autocomplete="cc-number" placeholder="8600 0000 0000 0007" required></label>
<label>Expires (MMYY) <input data-testid="expire-date" inputmode="numeric" value="1229" required></label>
<button class="decline">Add card</button></form>
<form data-testid="verify-card" hidden><p class="sandbox" data-testid="sandbox-sms"></p>
<label>SMS code sent to <span data-testid="sms-phone"></span> <input data-testid="sms-code" inputmode="numeric" autocomplete="one-time-code" required></label>
<button class="decline">Verify card</button></form>
</div>
</section>
<div data-testid="products">Loading products…</div>
<script>${demoShopScript(publishableKey)}
const address = {
  first_name: "Aziz", last_name: "Karimov", address_1: "Amir Temur 1", city: "Tashkent",
  country_code: "uz", postal_code: "100000", phone: "+998901234567",
};
const demoCustomer = { email: "demo-customer@click-sandbox.test", password: "click-sandbox-demo" };
// A cart of the logged-in customer (token) is theirs, as a saved card's payment needs.
async function cartOf(variantId, token) {
  const { regions } = await store("GET", "/store/regions");
  const region = regions.find((r) => r.currency_code === "uzs");
  const { cart } = await store("POST", "/store/carts", {
    region_id: region.id, email: token ? demoCustomer.email : "aziz@example.com",
    items: [{ variant_id: variantId, quantity: 1 }],
    shipping_address: address, billing_address: address,
  }, token);
  const { shipping_options } = await store("GET", "/store/shipping-options?cart_id=" + cart.id);
  await store("POST", "/store/carts/" + cart.id + "/shipping-methods", { option_id: shipping_options[0].id });
  return cart;
}
async function buy(variantId, button) {
  button.disabled = true;
  try {
    const cart = await cartOf(variantId);
    const { paymentUrl } = await clickWith(chosenProvider()).startPayment(cart.id);
    location.href = paymentUrl;
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}
// Pay by phone: Click sends the invoice to the phone's Click app; the return page says "confirm in your Click app".
async function buyByPhone(variantId, button) {
  button.disabled = true;
  try {
    const cart = await cartOf(variantId);
    await clickWith(chosenProvider()).payByPhone(cart.id, document.querySelector("[data-testid=phone]").value);
    location.href = "/click-sandbox/shop/return?cart_id=" + encodeURIComponent(cart.id);
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}
const serviceChoice = document.querySelector("[data-testid=click-service]");
const chosenProvider = () => serviceChoice.value;
// The region's Click services; the shopper picks one when it offers several.
async function listClickServices(region) {
  const { payment_providers } = await store("GET", "/store/payment-providers?region_id=" + region.id);
  const ids = payment_providers.map((p) => p.id).filter((id) => id.startsWith("pp_click_"));
  if (!ids.length) throw new Error("The UZS region pays with no Click provider: enable one in Admin → Settings → Regions.");
  for (const id of ids) serviceChoice.append(new Option(id, id));
  document.querySelector("[data-testid=click-service-choice]").hidden = ids.length < 2;
}
// Pay with a saved card: the backend debits it at Click and places the order; the return page waits for it.
async function buyWithSavedCard(variantId, button) {
  const chosen = document.querySelector("input[name=saved-card]:checked");
  if (!chosen) return showError("Log in and add a card first.");
  button.disabled = true;
  try {
    const cart = await cartOf(variantId, customerToken());
    // The card's own Click service debits it.
    await clickWith(chosen.dataset.providerId).payWithSavedCard(cart.id, chosen.value);
    location.href = "/click-sandbox/shop/return?cart_id=" + encodeURIComponent(cart.id);
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}
async function auth(path, body) {
  const response = await fetch(shop.backendUrl + path, {
    method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
  });
  return { ok: response.ok, json: await response.json() };
}
// The demo customer: logged in, or registered on first use (Medusa's emailpass auth).
async function logIn() {
  let login = await auth("/auth/customer/emailpass", demoCustomer);
  if (!login.ok) {
    const registered = await auth("/auth/customer/emailpass/register", demoCustomer);
    if (!registered.ok) throw new Error(registered.json.message);
    await store("POST", "/store/customers", { email: demoCustomer.email, first_name: "Aziz", last_name: "Karimov" }, registered.json.token);
    login = await auth("/auth/customer/emailpass", demoCustomer);
    if (!login.ok) throw new Error(login.json.message);
  }
  sessionStorage.setItem(customerTokenKey, login.json.token);
}
async function showCards() {
  const cards = await click.listSavedCards();
  document.querySelector("[data-testid=customer]").textContent = "Logged in as " + demoCustomer.email;
  document.querySelector("[data-testid=log-in]").hidden = true;
  document.querySelector("[data-testid=card-area]").hidden = false;
  const list = document.querySelector("[data-testid=cards]");
  list.textContent = cards.length ? "" : "No saved cards yet.";
  cards.forEach((card, index) => {
    const row = document.createElement("label");
    row.className = "saved-card";
    row.dataset.testid = "saved-card";
    const radio = document.createElement("input");
    radio.type = "radio";
    radio.name = "saved-card";
    radio.value = card.id;
    radio.dataset.providerId = card.provider_id;
    radio.checked = index === 0;
    const number = document.createElement("span");
    number.textContent = card.card_number;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "decline";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => click.deleteSavedCard(card.id).then(showCards).catch(showError));
    row.append(radio, number, remove);
    list.append(row);
  });
  for (const button of document.querySelectorAll("button[data-card-handle]")) button.disabled = !cards.length;
}
let pendingCardToken = null;
document.querySelector("[data-testid=log-in]").addEventListener("click", () => logIn().then(showCards).catch(showError));
document.querySelector("[data-testid=add-card]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const number = document.querySelector("[data-testid=card-number]");
  try {
    const requested = await click.saveCard(number.value, document.querySelector("[data-testid=expire-date]").value);
    // The full number is not needed any more: it leaves the page.
    number.value = "";
    pendingCardToken = requested.card_token;
    document.querySelector("[data-testid=sms-phone]").textContent = requested.phone_number;
    document.querySelector("[data-testid=verify-card]").hidden = false;
    // Sandbox only: the SMS the card's phone would receive, from the local Click.
    const sms = await store("GET", "/click-sandbox/sms?card_token=" + encodeURIComponent(requested.card_token));
    document.querySelector("[data-testid=sandbox-sms]").textContent = "Sandbox SMS from Click: your code is " + sms.sms_code;
  } catch (error) {
    showError(error);
  }
});
document.querySelector("[data-testid=verify-card]").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = document.querySelector("[data-testid=sms-code]");
  try {
    await click.verifyCard(pendingCardToken, code.value);
    pendingCardToken = null;
    code.value = "";
    document.querySelector("[data-testid=verify-card]").hidden = true;
    showError("");
    await showCards();
  } catch (error) {
    showError(error);
  }
});
async function listProducts() {
  const { regions } = await store("GET", "/store/regions");
  const region = regions.find((r) => r.currency_code === "uzs");
  if (!region) throw new Error("No UZS region: run the demo seed (npm run dev does).");
  await listClickServices(region);
  const { products } = await store("GET", "/store/products?region_id=" + region.id + "&fields=*variants.calculated_price");
  const list = document.querySelector("[data-testid=products]");
  list.textContent = "";
  for (const product of products) {
    const variant = product.variants[0];
    const price = variant.calculated_price ? variant.calculated_price.calculated_amount : null;
    const card = document.createElement("div");
    card.className = "product";
    const title = document.createElement("h2");
    title.textContent = product.title;
    const priceLine = document.createElement("div");
    priceLine.className = "price";
    priceLine.textContent = price === null ? "" : Number(price).toLocaleString("ru-RU") + " UZS";
    const button = document.createElement("button");
    button.className = "pay";
    button.textContent = "Buy with Click";
    button.dataset.handle = product.handle;
    button.addEventListener("click", () => buy(variant.id, button));
    const byPhone = document.createElement("button");
    byPhone.className = "decline";
    byPhone.textContent = "Pay by phone";
    byPhone.dataset.phoneHandle = product.handle;
    byPhone.addEventListener("click", () => buyByPhone(variant.id, byPhone));
    const bySavedCard = document.createElement("button");
    bySavedCard.className = "decline";
    bySavedCard.textContent = "Pay with a saved card";
    bySavedCard.dataset.cardHandle = product.handle;
    bySavedCard.disabled = !document.querySelector("input[name=saved-card]");
    bySavedCard.addEventListener("click", () => buyWithSavedCard(variant.id, bySavedCard));
    card.append(title, priceLine, button, byPhone, bySavedCard);
    list.append(card);
  }
}
listProducts().catch(showError);
if (customerToken()) {
  showCards().catch((error) => {
    // An expired token: log in again.
    if (error.status === 401) sessionStorage.removeItem(customerTokenKey);
    else showError(error);
  });
}
</script>`
  )
}
