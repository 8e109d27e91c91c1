import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import type { ClickPaymentStateValue, WorkClaim } from "../modules/click"
import { clickModule, type ClickTransactionRecord } from "./click-transactions"
import { paymentPolicy } from "./policy"

/**
 * Runs `work` holding the claim on a payment in `state` (see
 * ClickWorkQueueService.claimWork), renewing its lease every third of it while
 * the work runs. Returns null, without running anything, when the payment
 * cannot be claimed now.
 */
export async function withWorkClaim<T>(
  container: MedusaContainer,
  transactionId: string,
  state: ClickPaymentStateValue,
  leaseSec: number,
  log: Logger,
  work: (claim: WorkClaim, stopRenewing: () => Promise<void>) => Promise<T>
): Promise<{ result: T } | null> {
  const workQueue = clickModule(container).workQueue
  const claim = await workQueue.claimWork(transactionId, state, leaseSec)
  if (!claim) {
    return null
  }
  let inFlight: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    inFlight = workQueue
      .renewLease(claim, leaseSec)
      .catch((error) => log.error({ err: (error as Error)?.message }, "lease renewal failed"))
  }, (leaseSec * 1000) / 3)
  timer.unref()
  // A renewal still in flight must not land after the work's own reschedule.
  const stopRenewing = async () => {
    clearInterval(timer)
    await inFlight
  }
  try {
    return { result: await work(claim, stopRenewing) }
  } finally {
    await stopRenewing()
  }
}

/**
 * A job's work on one payment in `state` (reversing it, asking Click about
 * it): claimed for the policy's lease, given the payment's row as read under
 * the claim; "not_due", with nothing run, when it cannot be claimed now.
 */
export async function workOnClaimedPayment<T>(
  container: MedusaContainer,
  transactionId: string,
  state: ClickPaymentStateValue,
  log: Logger,
  work: (claim: WorkClaim, transaction: ClickTransactionRecord) => Promise<T>
): Promise<T | "not_due"> {
  const claimed = await withWorkClaim(container, transactionId, state, paymentPolicy().leaseSec, log, async (claim) =>
    work(claim, await clickModule(container).retrieveClickTransaction(claim.id))
  )
  return claimed ? claimed.result : "not_due"
}
