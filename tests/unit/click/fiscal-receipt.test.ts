import { describe, expect, it } from "vitest"
import { apportionTiyin, buildFiscalReceipt, fiscalName, includedVatTiyin, type FiscalLine } from "../../../src/click/fiscal-receipt"

const line = (overrides: Partial<FiscalLine> = {}): FiscalLine => ({
  name: "Click demo T-shirt",
  quantity: 2,
  totalTiyin: 7_680_000n,
  discountTiyin: 0n,
  spic: "06109001001000000",
  packageCode: "1500263",
  vatPercent: 12,
  ...overrides,
})

const receipt = (lines: FiscalLine[], paidTiyin: bigint) =>
  buildFiscalReceipt({ serviceId: "12345", paymentId: "9876543210123456789", lines, paidTiyin, seller: { tin: "123456789" } })

describe("fiscal receipt items", () => {
  it("rounds a promotion's fractional shares to whole tiyin that sum exactly to what was paid", () => {
    // 5 000 UZS spread over 69 120 and 125 000: fractions of a tiyin on both lines.
    const lines = ["67339.6631979188", "121780.3368020812", "20000"]
    const shares = apportionTiyin(lines, 20_912_000n)!
    expect(shares.reduce((a, b) => a + b, 0n)).toBe(20_912_000n)
    expect(shares).toEqual([6_733_966n, 12_178_034n, 2_000_000n])
    expect(apportionTiyin(["0.333", "0.333", "0.334"], 100n)).toEqual([33n, 33n, 34n])
    expect(apportionTiyin(["0.005", "0.005"], 1n)).toEqual([1n, 0n])
    // Off by more than a tiyin per line: not an apportioning problem, refused.
    expect(apportionTiyin(["100", "100"], 20_003n)).toBeNull()
    expect(apportionTiyin(["100", "-5"], 9_500n)).toBeNull()
  })

  it("VAT is the share included in the price, rounded half up to the tiyin", () => {
    expect(includedVatTiyin(11_200n, 12)).toBe(1_200n)
    // 100 × 12 / 112 = 10.714… → 11
    expect(includedVatTiyin(100n, 12)).toBe(11n)
    // 14 × 12 / 112 = 1.5 → 2 (half up)
    expect(includedVatTiyin(14n, 12)).toBe(2n)
    expect(includedVatTiyin(5_000n, 0)).toBe(0n)
  })

  it("lines with discounts, plus shipping, sum exactly to what was paid; each item's VAT matches its rate", () => {
    const lines = [
      line({ discountTiyin: 768_001n }),
      line({ name: "Print", quantity: 1, totalTiyin: 12_500_000n, discountTiyin: 333_333n, vatPercent: 0 }),
      line({ name: "Standard delivery", quantity: 1, totalTiyin: 2_000_000n, discountTiyin: 0n }),
    ]
    const paid = 7_680_000n - 768_001n + 12_500_000n - 333_333n + 2_000_000n
    const result = receipt(lines, paid)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const { items } = result.body
    expect(items.reduce((sum, item) => sum + item.Price - item.Discount, 0)).toBe(Number(paid))
    expect(items[0]).toMatchObject({ Price: 7_680_000, Discount: 768_001, Amount: 2, GoodPrice: 3_840_000, VATPercent: 12 })
    expect(items[0].VAT).toBe(Number(includedVatTiyin(7_680_000n - 768_001n, 12)))
    expect(items[1]).toMatchObject({ VAT: 0, VATPercent: 0, CommissionInfo: { TIN: "123456789" } })
    expect(result.body).toMatchObject({ payment_id: "9876543210123456789", received_ecash: Number(paid), received_cash: 0, received_card: 0 })
  })

  it("never builds a receipt that does not sum to the paid amount", () => {
    expect(receipt([line()], 7_679_999n)).toEqual({ ok: false, problem: "sum_mismatch", itemsTiyin: 7_680_000n, paidTiyin: 7_679_999n })
  })

  it("names every product without a product code or package code, and builds nothing", () => {
    expect(receipt([line({ spic: null }), line({ name: "Mug", packageCode: "" }), line({ name: "Ok" })], 1n)).toEqual({
      ok: false,
      problem: "missing_codes",
      names: ["Click demo T-shirt", "Mug"],
    })
  })

  it("keeps Click's field limits: names cut to 63 characters, codes and seller ids checked", () => {
    const long = "Футболка ".repeat(10)
    expect(Array.from(fiscalName(long))).toHaveLength(63)
    expect(receipt([line({ spic: "1".repeat(18) })], 7_680_000n)).toMatchObject({ ok: false, problem: "invalid" })
    expect(receipt([line({ quantity: 0 })], 7_680_000n)).toMatchObject({ ok: false, problem: "invalid" })
    expect(receipt([line({ discountTiyin: 7_680_001n })], -1n)).toMatchObject({ ok: false, problem: "invalid" })
    expect(
      buildFiscalReceipt({ serviceId: "1", paymentId: "2", lines: [line()], paidTiyin: 7_680_000n, seller: { pinfl: "123" } })
    ).toMatchObject({ ok: false, problem: "invalid" })
  })
})
