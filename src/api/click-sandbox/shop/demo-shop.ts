import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { Modules } from "@medusajs/framework/utils"
import { createClickCheckout } from "../../../storefront"
import { sandboxServes } from "../sandbox-page"

/**
 * The browser side of the sandbox demo shop. It uses the storefront helper
 * itself (`createClickCheckout`, shipped as its own source, which is
 * self-contained) and Medusa's store API with a publishable key, exactly as a
 * merchant's storefront would; it never completes a cart. The saved-card path
 * logs a demo customer in through Medusa's auth routes and keeps the token in
 * sessionStorage.
 */
export function demoShopScript(publishableKey: string) {
  return `
const createClickCheckout = ${createClickCheckout.toString()};
const shop = {
  // Served by the backend itself: the store API is on the same origin.
  backendUrl: location.origin,
  publishableKey: ${JSON.stringify(publishableKey)},
};
// The demo customer's token (saved cards), for this browser tab only.
const customerTokenKey = "click-demo-customer-token";
const customerToken = () => sessionStorage.getItem(customerTokenKey);
const click = createClickCheckout({ ...shop, customerToken });
// A backend may have several Click services, each a provider of its own (README "Several Click services").
const clickWith = (providerId) => createClickCheckout({ ...shop, providerId, customerToken });
async function store(method, path, body, token) {
  const response = await fetch(shop.backendUrl + path, {
    method,
    headers: {
      "x-publishable-api-key": shop.publishableKey,
      ...(body ? { "content-type": "application/json" } : {}),
      ...(token ? { authorization: "Bearer " + token } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(json.message || method + " " + path + " answered " + response.status);
  return json;
}
function showError(error) {
  const box = document.querySelector("[data-testid=shop-error]");
  box.textContent = String(error && error.message || error);
}
`
}

/**
 * The demo shop's publishable key (the shop page is the storefront, so it
 * needs one), or null after answering: the shop exists only in sandbox mode,
 * for the callers the sandbox serves (sandboxServes), whichever of the
 * backend's Click services the shopper pays with.
 */
export async function demoShopKeyOrRefuse(req: MedusaRequest, res: MedusaResponse): Promise<string | null> {
  if (!sandboxServes(req, res)) return null
  const keys = await req.scope
    .resolve(Modules.API_KEY)
    .listApiKeys({ type: "publishable", revoked_at: { $eq: null } }, { take: 1, order: { created_at: "ASC" } })
  if (!keys[0]) {
    res.status(404).json({ message: "Not found" })
    return null
  }
  return keys[0].token
}

export const shopHeader = `<h1>Click demo shop</h1><div class="sandbox">Sandbox: payments go to the local Click page, no card is charged</div>
<p class="error" data-testid="shop-error"></p>`
