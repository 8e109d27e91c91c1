import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { sendSandboxPage } from "../sandbox-page"
import { demoShopKeyOrRefuse, demoShopScript, shopHeader } from "./demo-shop"

/**
 * GET /click-sandbox/shop: a one-page storefront for trying Click locally.
 * It lists the store's products, builds a cart through the store API and
 * sends the browser to the Click session's `payment_url`. Sandbox only.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const publishableKey = await demoShopKeyOrRefuse(req, res)
  if (!publishableKey) return
  sendSandboxPage(
    res,
    "Click demo shop",
    `${shopHeader}<div data-testid="products">Loading products…</div>
<script>${demoShopScript(publishableKey)}
const address = {
  first_name: "Aziz", last_name: "Karimov", address_1: "Amir Temur 1", city: "Tashkent",
  country_code: "uz", postal_code: "100000", phone: "+998901234567",
};
async function buy(variantId, button) {
  button.disabled = true;
  try {
    const { regions } = await store("GET", "/store/regions");
    const region = regions.find((r) => r.currency_code === "uzs");
    const { cart } = await store("POST", "/store/carts", {
      region_id: region.id, email: "aziz@example.com",
      items: [{ variant_id: variantId, quantity: 1 }],
      shipping_address: address, billing_address: address,
    });
    const { shipping_options } = await store("GET", "/store/shipping-options?cart_id=" + cart.id);
    await store("POST", "/store/carts/" + cart.id + "/shipping-methods", { option_id: shipping_options[0].id });
    const { paymentUrl } = await click.startPayment(cart.id);
    location.href = paymentUrl;
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}
async function listProducts() {
  const { regions } = await store("GET", "/store/regions");
  const region = regions.find((r) => r.currency_code === "uzs");
  if (!region) throw new Error("No UZS region: run the demo seed (npm run dev does).");
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
    card.append(title, priceLine, button);
    list.append(card);
  }
}
listProducts().catch(showError);
</script>`
  )
}
