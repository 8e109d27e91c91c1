import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import type { ClickPaymentStateValue, WorkClaim } from "../modules/click"
import { clickModule } from "./click-transactions"

/**
 * Runs `work` holding the claim on a payment in `state` (see
 * ClickModuleService.claimWork), renewing its lease every third of it while
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
  const payments = clickModule(container)
  const claim = await payments.claimWork(transactionId, state, leaseSec)
  if (!claim) {
    return null
  }
  let inFlight: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    inFlight = payments
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
