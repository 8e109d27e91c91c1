import { describe, expect, it } from "vitest"
import { KeyedQueue } from "../../../src/lib/keyed-queue"

const tick = () => new Promise((resolve) => setTimeout(resolve, 5))

describe("KeyedQueue", () => {
  it("runs jobs with the same key one at a time, in arrival order", async () => {
    const queue = new KeyedQueue()
    const events: string[] = []
    let running = 0
    let maxRunning = 0
    await Promise.all(
      [1, 2, 3, 4].map((n) =>
        queue.run("cart", async () => {
          running++
          maxRunning = Math.max(maxRunning, running)
          events.push(`start ${n}`)
          await tick()
          events.push(`end ${n}`)
          running--
        })
      )
    )
    expect(maxRunning).toBe(1)
    expect(events).toEqual(["start 1", "end 1", "start 2", "end 2", "start 3", "end 3", "start 4", "end 4"])
  })

  it("runs different keys concurrently and keeps going after a job fails", async () => {
    const queue = new KeyedQueue()
    let running = 0
    let maxRunning = 0
    const job = async () => {
      running++
      maxRunning = Math.max(maxRunning, running)
      await tick()
      running--
    }
    await Promise.all([queue.run("a", job), queue.run("b", job)])
    expect(maxRunning).toBe(2)

    await expect(queue.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom")
    await expect(queue.run("a", async () => "next")).resolves.toBe("next")
  })
})
