import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { adminToken } from "../scripts/lib/admin.mjs"
import { includedVatTiyin, parseSoumsToTiyin } from "../src/click"
import type { MerchantApiDoubleWithFaults } from "../tests/harness/merchant-api-faults"
import { startBackend, type Backend } from "./harness/backend"
import { clickPays, startClickDouble } from "./harness/click-double"
import { countOrdersForCart, createPaymentSession, storeClient, waitForPaymentState } from "./harness/storefront"

const TSHIRT_SPIC = "06109001001000000"
const PRINT_SPIC = "04911001001000000"
const SHIPPING_SPIC = "10112006002000000"

/**
 * Fiscal receipts (OFD) end to end: a real order with line and cart-level
 * promotions and shipping, paid through Click, becomes a receipt that Click's
 * double accepts only if every field is within Click's limits and the items
 * sum to the debit to the tiyin.
 */
describe("fiscal receipts", () => {
  let double: MerchantApiDoubleWithFaults
  let backend: Backend
  let token: string
  const productIds: Record<string, string> = {}
  beforeAll(async () => {
    double = await startClickDouble()
    backend = await startBackend({
      env: {
        CLICK_MERCHANT_API_URL: double.url,
        CLICK_FISCAL_ENABLED: "true",
        CLICK_FISCAL_TIN: "123456789",
        CLICK_FISCAL_PACKAGE_CODE: "1500263",
        CLICK_FISCAL_SHIPPING_SPIC: SHIPPING_SPIC,
        CLICK_FISCAL_SHIPPING_PACKAGE_CODE: "1545413",
        CLICK_FISCAL_CRON: "*/2 * * * * *",
        CLICK_PLACEMENT_RETRY_BASE_SEC: "1",
      },
    })
    token = await adminToken(backend.url)
    for (const handle of ["click-demo-tshirt", "click-demo-limited-print"]) {
      const { products } = await admin("GET", `/admin/products?handle=${handle}&fields=id`)
      productIds[handle] = products[0].id
    }
    await setProductMetadata("click-demo-tshirt", { click_spic: TSHIRT_SPIC })
    // A book-like product: VAT-exempt, its own package code.
    await setProductMetadata("click-demo-limited-print", { click_spic: PRINT_SPIC, click_vat_percent: "0", click_package_code: "1347993" })
    await admin("POST", "/admin/promotions", {
      code: "TSHIRT10",
      type: "standard",
      status: "active",
      application_method: {
        type: "percentage",
        target_type: "items",
        allocation: "each",
        value: 10,
        max_quantity: 10,
        target_rules: [{ attribute: "items.product.id", operator: "in", values: [productIds["click-demo-tshirt"]] }],
      },
    })
    await admin("POST", "/admin/promotions", {
      code: "ORDER5000",
      type: "standard",
      status: "active",
      application_method: { type: "fixed", target_type: "order", allocation: "across", value: 5000, currency_code: "uzs" },
    })
  })
  afterAll(async () => {
    await backend?.stop()
    await double?.stop()
  })

  async function admin(method: string, path: string, body?: unknown) {
    const response = await fetch(`${backend.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const json = await response.json().catch(() => null)
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(json)}`)
    return json
  }

  function setProductMetadata(handle: string, metadata: Record<string, string>) {
    return admin("POST", `/admin/products/${productIds[handle]}`, { metadata })
  }

  /** A storefront's checkout: lines, promotion codes, shipping, a Click session; then Click pays it. */
  async function payCart(lines: Array<{ handle: string; quantity: number }>, promoCodes: string[] = []) {
    const store = storeClient(backend)
    const { regions } = await store.get("/store/regions")
    const region = regions.find((r: { name: string }) => r.name === "Uzbekistan")
    const items = []
    for (const line of lines) {
      const { products } = await store.get(`/store/products?handle=${line.handle}`)
      items.push({ variant_id: products[0].variants[0].id, quantity: line.quantity })
    }
    const address = { first_name: "Aziz", last_name: "Karimov", address_1: "Amir Temur 1", city: "Tashkent", country_code: "uz", postal_code: "100000" }
    const { cart } = await store.post("/store/carts", {
      region_id: region.id,
      email: "aziz@example.com",
      items,
      shipping_address: address,
      billing_address: address,
    })
    if (promoCodes.length) await store.post(`/store/carts/${cart.id}/promotions`, { promo_codes: promoCodes })
    const { shipping_options } = await store.get(`/store/shipping-options?cart_id=${cart.id}`)
    await store.post(`/store/carts/${cart.id}/shipping-methods`, { option_id: shipping_options[0].id })
    const session = await createPaymentSession(backend, cart.id, "pp_click_click")
    const payment = await clickPays(backend, double, { cartId: cart.id, amount: session.data.amount })
    expect(payment.answer!.error).toBe(0)
    await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["placed"])
    return { ...payment, paidTiyin: parseSoumsToTiyin(payment.amount)! }
  }

  async function receiptState(clickTransId: string, states: string[]) {
    let row: { fiscal_status: string | null; fiscal_qr_url: string | null; fiscal_error: string | null } | undefined
    const deadline = Date.now() + 20_000
    while (Date.now() < deadline) {
      const { rows } = await backend.db.query(
        "SELECT fiscal_status, fiscal_qr_url, fiscal_error FROM click_transaction WHERE click_trans_id = $1",
        [clickTransId]
      )
      row = rows[0]
      if (row && states.includes(row.fiscal_status ?? "")) return row
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    return row
  }

  it("two lines, a line discount, a cart-level promotion and shipping: the receipt sums exactly to the debit, VAT per line at its rate", async () => {
    const payment = await payCart(
      [
        { handle: "click-demo-tshirt", quantity: 2 },
        { handle: "click-demo-limited-print", quantity: 1 },
      ],
      ["TSHIRT10", "ORDER5000"]
    )
    // Medusa spreads the 5 000 UZS over both lines (fractions of a tiyin), then takes 10 % off
    // what is left of the T-shirts: 221 800 UZS before discounts, 209 310.29 after.
    expect(payment.paidTiyin).toBe(20_931_029n)
    expect(await receiptState(payment.clickTransId, ["submitted", "failed", "needs_product_codes"])).toMatchObject({
      fiscal_status: "submitted",
      fiscal_qr_url: expect.stringMatching(/^https:\/\/ofd\.soliq\.uz\/check\?/),
      fiscal_error: null,
    })
    const receipt = double.payment(payment.clickPaydocId)!.fiscal_receipt!
    const items = receipt.items as Array<Record<string, any>>
    expect(items.map((item) => [item.Name, item.SPIC, item.PackageCode, item.Amount, item.VATPercent])).toEqual([
      ["Click demo T-shirt M", TSHIRT_SPIC, "1500263", 2, 12],
      ["Click demo limited print Numbered", PRINT_SPIC, "1347993", 1, 0],
      ["Standard delivery", SHIPPING_SPIC, "1545413", 1, 12],
    ])
    expect(items.map((item) => item.Price)).toEqual([7_680_000, 12_500_000, 2_000_000])
    // The T-shirt line: its share of the 5 000 UZS and 10 % of the rest; the print: its share only.
    expect(items[0].Discount + items[1].Discount).toBe(22_180_000 - 2_000_000 - 20_931_029 + 2_000_000)
    expect(items[1].Discount).toBeGreaterThan(300_000)
    expect(items[1].Discount).toBeLessThan(500_000)
    expect(items[2].Discount).toBe(0)
    expect(BigInt(items.reduce((sum, item) => sum + item.Price - item.Discount, 0))).toBe(payment.paidTiyin)
    for (const item of items) {
      expect(item.VAT, item.Name).toBe(Number(includedVatTiyin(BigInt(item.Price - item.Discount), item.VATPercent)))
      expect(item.CommissionInfo).toEqual({ TIN: "123456789" })
    }
    expect(receipt).toMatchObject({ received_ecash: 20_931_029, received_cash: 0, received_card: 0 })

    const listed = await admin("GET", `/admin/click/transactions?q=${payment.clickTransId}`)
    expect(listed.transactions[0]).toMatchObject({ fiscal_status: "submitted", fiscal_qr_url: expect.stringContaining("ofd.soliq.uz") })
  })

  it("a product without a product code sends nothing, names the product, and leaves the order alone", async () => {
    await setProductMetadata("click-demo-limited-print", { click_spic: "", click_vat_percent: "0", click_package_code: "1347993" })
    try {
      const payment = await payCart([{ handle: "click-demo-limited-print", quantity: 1 }])
      expect(await receiptState(payment.clickTransId, ["needs_product_codes", "submitted", "failed"])).toMatchObject({
        fiscal_status: "needs_product_codes",
        fiscal_error: "receipt needs product codes: Click demo limited print Numbered",
      })
      expect(double.payment(payment.clickPaydocId)!.fiscal_receipt).toBeNull()
      expect(await countOrdersForCart(backend, payment.cartId)).toBe(1)
    } finally {
      await setProductMetadata("click-demo-limited-print", { click_spic: PRINT_SPIC, click_vat_percent: "0", click_package_code: "1347993" })
    }
  })

  it("Click unreachable delays the receipt, never duplicates it; a refund that reverses the payment marks it reversed", async () => {
    double.injectFault({ endpoint: "payment/ofd_data/submit_items", kind: "http_error", http_status: 503, times: 4 })
    const payment = await payCart([{ handle: "click-demo-tshirt", quantity: 1 }])
    expect(await receiptState(payment.clickTransId, ["submitted", "failed"])).toMatchObject({ fiscal_status: "submitted", fiscal_error: null })
    expect(double.payment(payment.clickPaydocId)!.fiscal_receipt).not.toBeNull()

    const { rows } = await backend.db.query(
      `SELECT p.id FROM payment p JOIN click_transaction t ON t.payment_session_id = p.payment_session_id WHERE t.click_trans_id = $1`,
      [payment.clickTransId]
    )
    await admin("POST", `/admin/payments/${rows[0].id}/refund`, { amount: Number(payment.paidTiyin) / 100 })
    await waitForPaymentState(backend, { clickTransId: payment.clickTransId }, ["reversed"])
    expect(await receiptState(payment.clickTransId, ["reversed"])).toMatchObject({ fiscal_status: "reversed" })
  })
})
