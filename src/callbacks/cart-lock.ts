import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { Semaphore } from "async-mutex"
import { KeyedQueue } from "../lib/keyed-queue"

/** Our own lock namespace: Medusa's completeCartWorkflow locks the bare cart id itself. */
const lockKey = (cartId: string) => `click:cart:${cartId}`
const LOCK_TIMEOUT_SEC = 30

/**
 * Medusa's Postgres locking holds one database connection for as long as a
 * lock is held or awaited, and placing an order needs a few more. Waiters for
 * the same cart queue in memory (one connection per cart per process), and at
 * most this many carts are worked on at once, well inside Medusa's default
 * pool of 10 connections, so Prepare and the storefront are never starved.
 */
const MAX_CARTS_IN_PROGRESS = 2

const sameCartQueue = new KeyedQueue()
const cartsInProgress = new Semaphore(MAX_CARTS_IN_PROGRESS)

/**
 * Runs `job` holding the per-cart Click lock: first in this process's queue,
 * then through Medusa's Locking module, which holds across processes.
 */
export function withClickCartLock<T>(
  container: MedusaContainer,
  cartId: string,
  job: () => Promise<T>
): Promise<T> {
  const key = lockKey(cartId)
  return sameCartQueue.run(key, () =>
    cartsInProgress.runExclusive(() =>
      container.resolve(Modules.LOCKING).execute(key, job, { timeout: LOCK_TIMEOUT_SEC })
    )
  )
}
