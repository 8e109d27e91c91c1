import { describe, expect, it } from "vitest"
import { checkSignTime, formatSignTime, parseSignTime } from "../../../src/click"

describe("parseSignTime", () => {
  it("reads the value as Tashkent time (UTC+5)", () => {
    expect(parseSignTime("2025-01-01 05:00:00")?.toISOString()).toBe("2025-01-01T00:00:00.000Z")
    expect(parseSignTime("2025-01-01 00:00:00")?.toISOString()).toBe("2024-12-31T19:00:00.000Z")
    expect(parseSignTime("2024-07-15 23:59:59")?.toISOString()).toBe("2024-07-15T18:59:59.000Z")
  })

  it("accepts a leap day", () => {
    expect(parseSignTime("2024-02-29 12:00:00")?.toISOString()).toBe("2024-02-29T07:00:00.000Z")
  })

  it.each([
    "",
    "2024-02-30 10:00:00",
    "2023-02-29 10:00:00",
    "2024-04-31 10:00:00",
    "2024-13-01 10:00:00",
    "2024-00-10 10:00:00",
    "2024-01-00 10:00:00",
    "2024-01-01 24:00:00",
    "2024-01-01 10:60:00",
    "2024-01-01 10:00:60",
    "2024-01-01T10:00:00",
    "2024-1-1 10:00:00",
    "2024-01-01 1:00:00",
    "2024-01-01 10:00",
    "2024-01-01 10:00:00.000",
    "2024-01-01 10:00:00Z",
    " 2024-01-01 10:00:00",
    "2024-01-01  10:00:00",
    "0099-01-01 10:00:00",
    "1735707600",
  ])("rejects %j", (value) => {
    expect(parseSignTime(value)).toBeNull()
  })
})

describe("formatSignTime", () => {
  it("prints Tashkent time and drops milliseconds", () => {
    expect(formatSignTime(new Date("2025-01-01T00:00:00.999Z"))).toBe("2025-01-01 05:00:00")
    expect(formatSignTime(new Date("2024-12-31T19:05:09Z"))).toBe("2025-01-01 00:05:09")
  })

  it("is the inverse of parseSignTime", () => {
    const value = "2024-02-29 23:59:59"
    expect(formatSignTime(parseSignTime(value)!)).toBe(value)
  })

  it("throws on an invalid date", () => {
    expect(() => formatSignTime(new Date(Number.NaN))).toThrow(RangeError)
  })
})

describe("checkSignTime", () => {
  const now = new Date("2025-01-01T10:00:00Z") // 15:00:00 in Tashkent
  const window = { maxAgeSec: 300, maxFutureSec: 60 }

  it.each([
    ["2025-01-01 15:00:00", "ok"],
    ["2025-01-01 14:55:00", "ok"],
    ["2025-01-01 14:54:59", "stale"],
    ["2025-01-01 10:00:00", "stale"],
    ["2025-01-01 15:01:00", "ok"],
    ["2025-01-01 15:01:01", "future"],
    ["2025-01-01 20:00:00", "future"],
    ["2025-01-01T15:00:00", "malformed"],
    ["2025-02-30 15:00:00", "malformed"],
  ])("%s → %s", (value, expected) => {
    expect(checkSignTime(value, now, window)).toBe(expected)
  })

  it("counts sub-second age against the window", () => {
    const halfSecondLater = new Date("2025-01-01T10:00:00.500Z")
    expect(checkSignTime("2025-01-01 14:55:00", halfSecondLater, window)).toBe("stale")
    expect(checkSignTime("2025-01-01 14:55:01", halfSecondLater, window)).toBe("ok")
  })

  it("treats a UTC-looking value as Tashkent time, so it is 5 hours stale", () => {
    expect(checkSignTime("2025-01-01 10:00:00", now, { maxAgeSec: 4 * 3600, maxFutureSec: 0 })).toBe(
      "stale",
    )
    expect(checkSignTime("2025-01-01 10:00:00", now, { maxAgeSec: 5 * 3600, maxFutureSec: 0 })).toBe(
      "ok",
    )
  })
})
