import { describe, expect, it } from "vitest"
import { decimalToTiyin, formatTiyinAsSoums, parseSoumsToTiyin } from "../../../src/click"

describe("parseSoumsToTiyin", () => {
  it.each([
    ["38400", 3_840_000n],
    ["38400.0", 3_840_000n],
    ["38400.00", 3_840_000n],
    ["38400.5", 3_840_050n],
    ["38400.05", 3_840_005n],
    ["0.5", 50n],
    ["0.01", 1n],
    ["0", 0n],
    ["007", 700n],
    ["999999999999999.99", 99_999_999_999_999_999n],
  ])("%s → %s tiyin", (input, tiyin) => {
    expect(parseSoumsToTiyin(input)).toBe(tiyin)
  })

  it.each([
    "",
    "-1",
    "-0.5",
    "+5",
    "1e3",
    "1E3",
    " 5",
    "5 ",
    "1.234",
    "abc",
    ".5",
    "5.",
    "1,5",
    "1_000",
    "0x10",
    "Infinity",
    "NaN",
    "1000000000000000",
    "٣",
  ])("rejects %j", (input) => {
    expect(parseSoumsToTiyin(input)).toBeNull()
  })
})

describe("decimalToTiyin", () => {
  it.each([
    ["38400", 3_840_000n],
    ["38400.3", 3_840_030n],
    ["38400.33", 3_840_033n],
    ["38400.334", 3_840_033n],
    ["38400.335", 3_840_034n],
    ["38400.3349999", 3_840_033n],
    ["0.005", 1n],
    ["0.004", 0n],
    ["99.995", 10_000n],
    ["-1.005", -101n],
    ["-1.004", -100n],
    ["123456789012345678901234567890.019", 12345678901234567890123456789002n],
  ])("%s → %s tiyin", (input, tiyin) => {
    expect(decimalToTiyin(input)).toBe(tiyin)
  })

  it.each(["1e3", "", " 1", "1.", ".5", "abc", "1,5", "--1", "+1", "Infinity"])(
    "throws on %j",
    (input) => {
      expect(() => decimalToTiyin(input)).toThrow(/Not a plain decimal/)
    },
  )
})

describe("formatTiyinAsSoums", () => {
  it.each([
    [3_840_000n, "38400.00"],
    [3_840_005n, "38400.05"],
    [3_840_050n, "38400.50"],
    [1n, "0.01"],
    [0n, "0.00"],
    [-150n, "-1.50"],
    [99_999_999_999_999_999n, "999999999999999.99"],
  ])("%s → %s", (tiyin, text) => {
    expect(formatTiyinAsSoums(tiyin)).toBe(text)
  })

  it("round-trips with parseSoumsToTiyin", () => {
    expect(parseSoumsToTiyin(formatTiyinAsSoums(123_456_78n))).toBe(123_456_78n)
  })
})
