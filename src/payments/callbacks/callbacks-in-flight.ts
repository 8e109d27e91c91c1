/**
 * Click's callbacks being answered by this process, so that the work that
 * follows an answer (placing the order) waits for them: Click times out and
 * retries a slow answer, while an order placed a second later is never late.
 * Measured on 2 cores (docs/BENCHMARKS.md): with 64 carts paid at once, the
 * placements started by the first answers delayed the last answers past 1 s.
 *
 * The wait is bounded, so callbacks that never stop (a busy shop) delay an
 * order by at most `maxWaitMs`, and nothing here is a decision: a process
 * that dies while waiting leaves the payment `confirmed` for the recovery job.
 */
export class CallbacksInFlight {
  private count = 0
  private idleWaiters = new Set<() => void>()

  get inFlight(): number {
    return this.count
  }

  /** Counts one callback until the returned function is called (once). */
  enter(): () => void {
    this.count++
    let left = false
    return () => {
      if (left) return
      left = true
      this.count--
      if (this.count === 0) {
        for (const wake of [...this.idleWaiters]) wake()
      }
    }
  }

  /** Resolves when no callback is in flight, or after `maxWaitMs`, whichever comes first. */
  whenIdle(maxWaitMs: number): Promise<void> {
    if (this.count === 0 || maxWaitMs <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        this.idleWaiters.delete(wake)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(wake, maxWaitMs)
      timer.unref?.()
      this.idleWaiters.add(wake)
    })
  }
}

/** This process's callbacks (the callback route enters, background placement waits). */
export const clickCallbacksInFlight = new CallbacksInFlight()
