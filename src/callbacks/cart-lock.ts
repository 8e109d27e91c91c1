import type { MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { KeyedQueue } from "../lib/keyed-queue"

/** Our own lock namespace: Medusa's completeCartWorkflow locks the bare cart id itself. */
const lockKey = (cartId: string) => `click:cart:${cartId}`
const LOCK_TIMEOUT_SEC = 30

const localQueue = new KeyedQueue()

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
  return localQueue.run(key, () =>
    container.resolve(Modules.LOCKING).execute(key, job, { timeout: LOCK_TIMEOUT_SEC })
  )
}
