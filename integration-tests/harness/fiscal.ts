/**
 * Fiscal receipts switched on, sent every second, with the codes of the demo
 * catalogue's shipping: a backend whose every sale could get its receipt.
 */
export const FISCAL_RECEIPTS_ENV = {
  CLICK_FISCAL_ENABLED: "true",
  CLICK_FISCAL_TIN: "123456789",
  CLICK_FISCAL_PACKAGE_CODE: "1500263",
  CLICK_FISCAL_SHIPPING_SPIC: "10112006002000000",
  CLICK_FISCAL_SHIPPING_PACKAGE_CODE: "1545413",
  CLICK_FISCAL_CRON: "* * * * * *",
}

/** Gives every product of the backend a product code (admin API), so each order's receipt can go to Click. */
export async function giveEveryProductACode(backendUrl: string, token: string): Promise<void> {
  const admin = (method: string, path: string, body?: unknown) =>
    fetch(`${backendUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(async (response) => {
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
      return response.json()
    })
  const { products } = await admin("GET", "/admin/products?fields=id&limit=100")
  for (const product of products as { id: string }[]) {
    await admin("POST", `/admin/products/${product.id}`, { metadata: { click_spic: "06109001001000000" } })
  }
}
