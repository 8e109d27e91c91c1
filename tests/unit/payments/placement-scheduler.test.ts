import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { ClickPlacementSchedulerService } from "../../../src/modules/click/services/placement-scheduler"

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
    const callbacks = new ClickPlacementSchedulerService()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(2000))
    expect(settled()).toBe(true)
  })

  it("starts when the last callback in flight is answered, not before", async () => {
    const callbacks = new ClickPlacementSchedulerService()
    const leaveFirst = callbacks.enterCallback()
    const leaveSecond = callbacks.enterCallback()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(2000))
    leaveFirst()
    leaveFirst()
    await vi.advanceTimersByTimeAsync(100)
    expect(settled()).toBe(false)
    expect(callbacks.callbacksInFlight).toBe(1)
    leaveSecond()
    expect(callbacks.callbacksInFlight).toBe(0)
    await vi.advanceTimersByTimeAsync(29)
    expect(settled()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(settled()).toBe(true)
  })

  it("a callback arriving in the quiet period after the last one holds placements back again", async () => {
    const callbacks = new ClickPlacementSchedulerService()
    const leaveFirst = callbacks.enterCallback()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(2000))
    leaveFirst()
    await vi.advanceTimersByTimeAsync(20)
    const leaveSecond = callbacks.enterCallback()
    await vi.advanceTimersByTimeAsync(100)
    expect(settled()).toBe(false)
    leaveSecond()
    await vi.advanceTimersByTimeAsync(30)
    expect(settled()).toBe(true)
  })

  it("a placement asked for in the quiet period waits for its end", async () => {
    const callbacks = new ClickPlacementSchedulerService()
    callbacks.enterCallback()()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(2000))
    expect(settled()).toBe(false)
    await vi.advanceTimersByTimeAsync(30)
    expect(settled()).toBe(true)
    expect(await settledAfter(callbacks.whenCallbacksIdle(2000)).then((s) => s())).toBe(true)
  })

  it("waits at most the bound while callbacks keep coming", async () => {
    const callbacks = new ClickPlacementSchedulerService()
    callbacks.enterCallback()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(2000))
    await vi.advanceTimersByTimeAsync(1999)
    expect(settled()).toBe(false)
    await vi.advanceTimersByTimeAsync(1)
    expect(settled()).toBe(true)
  })

  it("does not wait at all with the bound at 0", async () => {
    const callbacks = new ClickPlacementSchedulerService()
    callbacks.enterCallback()
    const settled = await settledAfter(callbacks.whenCallbacksIdle(0))
    expect(settled()).toBe(true)
  })
})

describe("placements after Click's answers run under the concurrency bound", () => {
  const gate = () => {
    let open!: () => void
    const opened = new Promise<void>((resolve) => (open = resolve))
    return { open, opened }
  }
  const flush = () => new Promise((resolve) => setImmediate(resolve))

  it("runs at most `concurrency` at once and starts the next as one finishes, in order", async () => {
    const scheduler = new ClickPlacementSchedulerService()
    const gates = [gate(), gate(), gate()]
    const started: number[] = []
    const runs = gates.map((g, i) => scheduler.runPlacement(2, async () => (started.push(i), await g.opened, i)))
    await flush()
    expect(started).toEqual([0, 1])
    gates[1].open()
    await flush()
    expect(started).toEqual([0, 1, 2])
    gates[0].open()
    gates[2].open()
    expect(await Promise.all(runs)).toEqual([0, 1, 2])
  })

  it("runs all at once with the bound at 0", async () => {
    const scheduler = new ClickPlacementSchedulerService()
    const g = gate()
    const started: number[] = []
    const runs = [0, 1, 2, 3].map((i) => scheduler.runPlacement(0, async () => (started.push(i), await g.opened)))
    await flush()
    expect(started).toEqual([0, 1, 2, 3])
    g.open()
    await Promise.all(runs)
  })

  it("frees its place when a placement fails", async () => {
    const scheduler = new ClickPlacementSchedulerService()
    await expect(scheduler.runPlacement(1, async () => Promise.reject(new Error("no stock")))).rejects.toThrow("no stock")
    expect(await scheduler.runPlacement(1, async () => "placed")).toBe("placed")
  })
})
