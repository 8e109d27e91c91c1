import { createElement } from "react"
import { renderToStaticMarkup } from "react-dom/server"
import { describe, expect, it } from "vitest"
import { ClickTransactionRows, type ClickTransaction } from "../../../src/admin/lib/click-payments"
import { clickTransactionsPath, showsServices } from "../../../src/admin/lib/click-services"

function payment(id: string, serviceId: string): ClickTransaction {
  return {
    id,
    merchant_prepare_id: 7,
    click_trans_id: "2600000001",
    click_paydoc_id: "9260000001",
    service_id: serviceId,
    debit_via: "click_callbacks",
    merchant_trans_id: `cart_${id}`,
    amount: "58400.00",
    state: "placed",
    refund_reason: null,
    order_id: `order_${id}`,
    last_error: null,
    attempts: 0,
    next_attempt_at: null,
    verified_payment_status: 2,
    verification_answer: null,
    fiscal_status: null,
    fiscal_qr_url: null,
    fiscal_error: null,
    created_at: "2026-12-07T10:00:00.000Z",
    callbacks: [],
    events: [],
  }
}

const rows = (showService: boolean) =>
  renderToStaticMarkup(
    createElement(ClickTransactionRows, { transactions: [payment("a", "12345"), payment("b", "54321")], onChanged: () => {}, showService })
  )

describe("the dashboard's Click services", () => {
  it("names a payment's service, and filters by it, only when the backend has several", () => {
    expect(showsServices(null)).toBe(false)
    expect(showsServices([])).toBe(false)
    expect(showsServices([{ service_id: "12345" }])).toBe(false)
    expect(showsServices([{ service_id: "12345" }, { service_id: "54321" }])).toBe(true)
  })

  it("shows each row's service in a Service column for several services, and no such column for one", () => {
    const several = rows(true)
    expect(several).toContain(">Service</th>")
    expect([...several.matchAll(/data-testid="click-service-id">(\d+)</g)].map((match) => match[1])).toEqual(["12345", "54321"])
    const one = rows(false)
    expect(one).not.toContain(">Service</th>")
    expect(one).not.toContain("click-service-id")
    expect(one).toContain("cart_a")
  })

  it("asks the admin API for one service's payments with its service_id filter, and for all without it", () => {
    const filters = { state: "all", serviceId: "all", q: "", offset: 0, limit: 20 }
    expect(clickTransactionsPath(filters)).toBe("/transactions?limit=20&offset=0")
    const query = (path: string) => Object.fromEntries(new URL(path, "http://admin.invalid").searchParams)
    expect(query(clickTransactionsPath({ ...filters, serviceId: "54321" }))).toEqual({ limit: "20", offset: "0", service_id: "54321" })
    expect(query(clickTransactionsPath({ state: "placed", serviceId: "54321", q: " cart_01 ", offset: 40, limit: 20 }))).toEqual({
      limit: "20",
      offset: "40",
      state: "placed",
      service_id: "54321",
      q: "cart_01",
    })
  })
})
