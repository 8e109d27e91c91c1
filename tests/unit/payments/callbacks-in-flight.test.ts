import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { CallbacksInFlight } from "../../../src/payments/callbacks/callbacks-in-flight"

describe("placements wait for the callbacks in flight", () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  const settledAfter = async (promise: Promise<void>) => {
    let settled = false
    promise.then(() => (settled = true))
    await vi.advanceTimersByTimeAsync(0)
    return () => settled
  }

  it("starts at once when no callback is being answered", async () => {
    const callbacks = new CallbacksInFlight()
    const settled = await settledAfter(callbacks.whenIdle(2000))
    expect(settled()).toBe(true)
  })

  it("starts when the last callback in flight is answered, not before", async () => {
    const callbacks = new CallbacksInFlight()
    const leaveFirst = callbacks.enter()
    const leaveSecond = callbacks.enter()
    const settled = await settledAfter(callbacks.whenIdle(2000))
    leaveFirst()
    leaveFirst()
    await vi.advanceTimersByTimeAsync(100)
    expect(settled()).toBe(false)
    expect(callbacks.inFlight).toBe(1)
    leaveSecond()
    await vi.advanceTimersByTimeAsync(0)
    expect(settled()).toBe(true)
    expect(callbacks.inFlight).toBe(0)
  })

  it("waits at most the bound while callbacks keep coming", async () => {
    const callbacks = new CallbacksInFlight()
    callbacks.enter()
    const settled = await settledAfter(callbacks.whenIdle(2000))
    await vi.advanceTimersByTimeAsync(1999)
    expect(settled()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(settled()).toBe(true)
  })

  it("does not wait at all with the bound at 0", async () => {
    const callbacks = new CallbacksInFlight()
    callbacks.enter()
    const settled = await settledAfter(callbacks.whenIdle(0))
    expect(settled()).toBe(true)
  })
})
