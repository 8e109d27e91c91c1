import { describe, expect, it } from "vitest"
import { withinReversalPeriod } from "../../../src/sandbox/merchant-api-ledger"

// Instants are UTC; Tashkent is UTC+5.
describe("withinReversalPeriod (Tashkent calendar months)", () => {
  it.each([
    ["same month", "2025-03-02T05:00:00Z", "2025-03-31T18:00:00Z", true],
    ["previous month, on the 1st", "2025-02-03T05:00:00Z", "2025-03-01T05:00:00Z", true],
    ["previous month, on the 1st just after midnight Tashkent", "2025-02-03T05:00:00Z", "2025-02-28T19:00:00Z", true],
    ["previous month, on the 2nd", "2025-02-27T05:00:00Z", "2025-03-01T19:00:00Z", false],
    ["two months ago, on the 1st", "2025-01-31T05:00:00Z", "2025-03-01T05:00:00Z", false],
    ["December, on January 1st", "2024-12-20T05:00:00Z", "2025-01-01T05:00:00Z", true],
    ["a UTC-February payment that is March in Tashkent", "2025-02-28T20:00:00Z", "2025-03-20T05:00:00Z", true],
    ["a later payment (clock skew)", "2025-04-01T05:00:00Z", "2025-03-31T05:00:00Z", false],
  ])("%s → %s", (_, createdAt, now, allowed) => {
    expect(withinReversalPeriod(new Date(createdAt), new Date(now))).toBe(allowed)
  })
})
