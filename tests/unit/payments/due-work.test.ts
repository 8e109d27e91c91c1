import pino from "pino"
import { afterEach, describe, expect, it, vi } from "vitest"
import { CLICK_MODULE } from "../../../src/modules/click"
import { runDueWork } from "../../../src/payments/due-work"

const log = pino({ level: "silent" })

/** The container a job gets, as far as runDueWork reads it: the click module's list of due rows. */
const containerWithDue = (ids: string[]) =>
  ({ resolve: (name: string) => (name === CLICK_MODULE ? { workQueue: { listDueWork: async () => ids } } : undefined) }) as never

describe("a recovery job's batch", () => {
  afterEach(() => vi.unstubAllEnvs())

  it("goes on past a row whose work hangs, after CLICK_JOB_ROW_TIMEOUT_SEC, and past one that fails", async () => {
    vi.stubEnv("CLICK_JOB_ROW_TIMEOUT_SEC", "0.05")
    const done: string[] = []
    const work = (id: string) => {
      if (id === "hangs") return new Promise(() => {})
      if (id === "fails") return Promise.reject(new Error("Click answered 502"))
      done.push(id)
      return Promise.resolve()
    }
    const started = Date.now()
    await runDueWork(containerWithDue(["hangs", "fails", "second", "third"]), "confirmed", work, log)
    expect(done).toEqual(["second", "third"])
    expect(Date.now() - started).toBeLessThan(2000)
  })
})
