import type { PlacementBounds } from "../types"

/**
 * When this process places the orders that follow Click's answers. Medusa
 * builds it once per container, as it does every service of the module, so
 * the callback routes (which count themselves in) and the placements (which
 * wait for them) resolve the same one.
 *
 * Callbacks first: Click times out and retries a slow answer, while an order
 * placed a second later is never late. Without the wait, the placements
 * started by a flash sale's first answers slow down its last answers
 * (figures in docs/BENCHMARKS.md). The wait is bounded, so callbacks that
 * never stop (a busy shop) delay an order by at most `yieldMs`.
 *
 * Then at most `concurrency` placements at a time (by default no limit: a
 * flash sale's orders are placed fastest when nothing holds them back; fewer
 * placements holding Medusa's pool connections keep Click's answers faster in
 * a large sale, at the cost of its orders, docs/BENCHMARKS.md runs A and B).
 *
 * "No callback in flight" must last QUIET_MS: in a burst, the requests Node
 * has accepted but not yet routed are invisible here, and the instants between
 * two of them would otherwise let placements in among the answers.
 *
 * Nothing here is a decision: a process that dies loses only this queue, the
 * payments stay `confirmed`, and the recovery job (which does not queue)
 * places them.
 */
export class ClickPlacementSchedulerService {
  private callbacks = 0
  /** Running while the last callback left less than QUIET_MS ago. */
  private quietTimer: ReturnType<typeof setTimeout> | null = null
  private idleWaiters = new Set<() => void>()
  private placementsRunning = 0
  private placementsWaiting: Array<() => void> = []

  get callbacksInFlight(): number {
    return this.callbacks
  }

  /** Counts one callback being answered until the returned function is called (once). */
  enterCallback(): () => void {
    this.callbacks++
    if (this.quietTimer) {
      clearTimeout(this.quietTimer)
      this.quietTimer = null
    }
    let left = false
    return () => {
      if (left) return
      left = true
      this.callbacks--
      if (this.callbacks === 0) {
        this.quietTimer = setTimeout(() => {
          this.quietTimer = null
          for (const wake of [...this.idleWaiters]) wake()
        }, QUIET_MS)
        this.quietTimer.unref?.()
      }
    }
  }

  /**
   * Resolves once no callback has been in flight for QUIET_MS, or after
   * `maxWaitMs`, whichever comes first.
   */
  whenCallbacksIdle(maxWaitMs: number): Promise<void> {
    if ((this.callbacks === 0 && !this.quietTimer) || maxWaitMs <= 0) return Promise.resolve()
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

  /** Runs `work` once at most `concurrency` placements run (0: at once). */
  async runPlacement<T>(concurrency: number, work: () => Promise<T>): Promise<T> {
    if (concurrency > 0 && this.placementsRunning >= concurrency) {
      await new Promise<void>((resolve) => this.placementsWaiting.push(resolve))
    } else {
      this.placementsRunning++
    }
    try {
      return await work()
    } finally {
      const next = this.placementsWaiting.shift()
      if (next) next()
      else this.placementsRunning--
    }
  }

  /** A placement after Click's answer: the callbacks in flight first (bounded), then a place under the bound. */
  async placeAfterCallbacks<T>(bounds: PlacementBounds, work: () => Promise<T>): Promise<T> {
    await this.whenCallbacksIdle(bounds.yieldMs)
    return this.runPlacement(bounds.concurrency, work)
  }
}

/** How long no callback may have been in flight before placements start (a burst's gaps are shorter). */
const QUIET_MS = 30
