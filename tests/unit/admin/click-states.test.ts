import { describe, expect, it } from "vitest"
import { CLICK_STATE_COLOR, CLICK_STATES, NEEDS_ATTENTION, RETRYABLE } from "../../../src/admin/lib/click-states"
import { ClickPaymentState } from "../../../src/modules/click/payment-state"
import { RETRYABLE_STATES } from "../../../src/payments/views/admin-actions"
import { NEEDS_ATTENTION_STATES } from "../../../src/payments/views/admin-view"

// The admin bundle imports nothing of the backend's (docs/ARCHITECTURE.md), so it keeps its own copy of the states.
describe("the admin's states follow the backend's", () => {
  const sorted = (states: readonly string[]) => [...states].sort()

  it("lists every state of the module, and no other, each with its colour", () => {
    expect(sorted(CLICK_STATES)).toEqual(sorted(Object.values(ClickPaymentState)))
    expect(new Set(CLICK_STATES).size).toBe(CLICK_STATES.length)
    expect(sorted(Object.keys(CLICK_STATE_COLOR))).toEqual(sorted(Object.values(ClickPaymentState)))
  })

  it("shows as needing attention what the admin API's needs_attention filter selects", () => {
    expect(sorted(NEEDS_ATTENTION)).toEqual(sorted(NEEDS_ATTENTION_STATES))
  })

  it("offers Retry for the states the retry action acts on", () => {
    expect(sorted(RETRYABLE)).toEqual(sorted(RETRYABLE_STATES))
  })
})
