import { describe, expect, it } from "vitest"
import { buildPayUrl } from "../../../src/click"

const base = {
  payUrl: "https://my.click.uz/services/pay",
  serviceId: "39123",
  merchantId: "21001",
  amountTiyin: 3_840_000n,
  transactionParam: "cart_01JABC",
}

describe("buildPayUrl", () => {
  it("builds the link with the required parameters and a two-decimal amount", () => {
    expect(buildPayUrl(base)).toBe(
      "https://my.click.uz/services/pay?service_id=39123&merchant_id=21001&amount=38400.00&transaction_param=cart_01JABC",
    )
  })

  it("adds return_url and card_type when given, encoded", () => {
    const url = new URL(
      buildPayUrl({ ...base, amountTiyin: 5n, returnUrl: "https://shop.uz/order?id=1&x=ü", cardType: "humo" }),
    )
    expect(url.searchParams.get("amount")).toBe("0.05")
    expect(url.searchParams.get("return_url")).toBe("https://shop.uz/order?id=1&x=ü")
    expect(url.searchParams.get("card_type")).toBe("humo")
    expect(url.search).toContain("return_url=https%3A%2F%2Fshop.uz%2Forder%3Fid%3D1%26x%3D%C3%BC")
  })

  it("encodes a transaction_param with reserved characters", () => {
    const url = new URL(buildPayUrl({ ...base, transactionParam: "a&b=c d" }))
    expect(url.searchParams.get("transaction_param")).toBe("a&b=c d")
    expect([...url.searchParams.keys()]).toEqual(["service_id", "merchant_id", "amount", "transaction_param"])
  })

  it("overrides parameters already present in payUrl", () => {
    const url = new URL(buildPayUrl({ ...base, payUrl: "https://my.click.uz/services/pay?amount=1&lang=uz" }))
    expect(url.searchParams.getAll("amount")).toEqual(["38400.00"])
    expect(url.searchParams.get("lang")).toBe("uz")
  })
})
