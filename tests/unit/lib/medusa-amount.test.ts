import { BigNumber } from "@medusajs/framework/utils"
import { describe, expect, it } from "vitest"
import { medusaAmountToTiyin, medusaDecimal, storedTiyin } from "../../../src/lib/medusa-amount"

describe("Medusa amounts, read through one parser", () => {
  it("reads every form Medusa hands over, exactly", () => {
    expect(medusaDecimal(58400)).toBe("58400")
    expect(medusaDecimal("58400.125")).toBe("58400.125")
    expect(medusaDecimal(new BigNumber("0.1"))).toBe("0.1")
    expect(medusaDecimal({ value: "12345678901234567890.05", precision: 20 })).toBe("12345678901234567890.05")
    expect(medusaAmountToTiyin(new BigNumber(58400.5))).toBe(5840050n)
    expect(storedTiyin({ value: "5840000", precision: 20 })).toBe(5840000n)
  })

  it("refuses what is not an amount instead of reading it as 0", () => {
    for (const notAnAmount of [undefined, null, "", "abc", Number.NaN, {}, { amount: 5 }, 5n]) {
      expect(() => medusaDecimal(notAnAmount), String(notAnAmount)).toThrow(/^Not a Medusa amount: /)
    }
    expect(() => storedTiyin("5840000.5")).toThrow(/Not a whole number of tiyin/)
  })
})
