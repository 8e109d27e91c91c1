import { describe, expect, it } from "vitest"
import { formatTashkentDate, fromTashkentWallClock, tashkentWallClock } from "../../../src/click"

describe("Tashkent time (UTC+5)", () => {
  it.each([
    ["2025-03-09T18:59:59Z", "2025-03-09"],
    ["2025-03-09T19:00:00Z", "2025-03-10"],
    ["2025-03-09T23:59:59Z", "2025-03-10"],
    ["2024-12-31T19:00:00Z", "2025-01-01"],
    ["2024-02-28T19:00:00Z", "2024-02-29"],
  ])("%s is Tashkent day %s", (instant, day) => {
    expect(formatTashkentDate(new Date(instant))).toBe(day)
  })

  it("reads and builds the wall clock", () => {
    const clock = { year: 2025, month: 1, day: 1, hour: 0, minute: 5, second: 9 }
    expect(tashkentWallClock(new Date("2024-12-31T19:05:09.900Z"))).toEqual(clock)
    expect(fromTashkentWallClock(clock).toISOString()).toBe("2024-12-31T19:05:09.000Z")
  })

  it("throws on an invalid date", () => {
    expect(() => formatTashkentDate(new Date(Number.NaN))).toThrow(RangeError)
  })
})
