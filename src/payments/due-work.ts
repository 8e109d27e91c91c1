import type { MedusaContainer } from "@medusajs/framework/types"
import { setTimeout as delay } from "node:timers/promises"
import type { Logger } from "pino"
import type { ClickPaymentStateValue } from "../modules/click"
import { clickModule } from "./click-transactions"
import { paymentPolicy } from "./policy"

/**
 * One run of a recovery job: every payment in `state` whose work is due
 * (never tried, its lease run out because a process died, or its backoff
 * over), oldest first. Rows waiting for their next attempt are not selected,
 * so they cannot starve newer ones; each row is claimed before it is worked
 * on, so several processes running the same job never do the same work
 * twice; and one row's failure does not stop the batch, nor does one that
 * hangs: after `jobRowTimeoutSec` the batch goes on without it.
 */
export async function runDueWork(
  container: MedusaContainer,
  state: ClickPaymentStateValue,
  work: (transactionId: string) => Promise<unknown>,
  log: Logger,
  options: { olderThanSec?: number; cardTokenOlderThanSec?: number; service?: { id: string; only: boolean } } = {}
): Promise<void> {
  await runEach(await clickModule(container).workQueue.listDueWork(state, paymentPolicy().jobBatchSize, options), work, log)
}

/** The same for placed payments whose fiscal receipt is pending and due. */
export async function runDueFiscalWork(
  container: MedusaContainer,
  work: (transactionId: string) => Promise<unknown>,
  log: Logger
): Promise<void> {
  await runEach(await clickModule(container).fiscalTrack.listDueFiscalWork(paymentPolicy().jobBatchSize), work, log)
}

/** The same for carts whose queued debits wait on an attempt that has ended. */
export async function runDueQueueWork(
  container: MedusaContainer,
  work: (cartId: string) => Promise<unknown>,
  log: Logger
): Promise<void> {
  await runEach(await clickModule(container).workQueue.listCartsWithUnblockedQueue(paymentPolicy().jobBatchSize), work, log, "merchant_trans_id")
}

/** `key`: what the ids name, for the log. */
async function runEach(
  due: string[],
  work: (id: string) => Promise<unknown>,
  log: Logger,
  key: "transaction_id" | "merchant_trans_id" = "transaction_id"
) {
  const { jobRowTimeoutSec } = paymentPolicy()
  for (const id of due) {
    // Its failure is logged even when it comes after the batch went on.
    const attempt = Promise.resolve()
      .then(() => work(id))
      .catch((error) => log.error({ [key]: id, err: (error as Error)?.message }, "recovery attempt failed to run"))
    if (!(await finishesWithin(attempt, jobRowTimeoutSec * 1000))) {
      // Its claim keeps another run from starting the same work while this one is still going.
      log.warn({ [key]: id, timeout_sec: jobRowTimeoutSec }, "recovery attempt still running; the batch goes on")
    }
  }
}

async function finishesWithin(attempt: Promise<unknown>, ms: number): Promise<boolean> {
  const timer = new AbortController()
  try {
    return await Promise.race([attempt.then(() => true), delay(ms, false, { signal: timer.signal, ref: false })])
  } finally {
    timer.abort()
  }
}
