import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickMerchantApiError, ClickPaymentStatus } from "../click"
import { ClickPaymentState, type WorkClaim } from "../modules/click"
import { clickMerchantGateway } from "../providers/click/merchant-gateway"
import { storedTiyin } from "../lib/medusa-amount"
import { clickModule } from "./click-transactions"
import { placeClickOrderInBackground } from "./place-order"
import { paymentPolicy } from "./policy"
import { recordDebit } from "./record-debit"
import { withWorkClaim } from "./work-claim"

export type ReconcileOutcome = "confirmed" | "refund_required" | "cancelled" | "pending" | "not_due"

/** Click that knows nothing of a payment this many times in a row means it never took the money. */
const UNKNOWN_AT_CLICK_ATTEMPTS = 3

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Asks Click's Merchant API about a `prepared` payment whose Complete never
 * came (or came only with a stale signature). Paid: the same path as a Complete,
 * then its order. Failed, or unknown to Click: `cancelled`. Still in progress:
 * asked again later.
 */
export async function reconcileClickPayment(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<ReconcileOutcome> {
  const claimed = await withWorkClaim(
    container,
    transactionId,
    ClickPaymentState.Prepared,
    paymentPolicy().leaseSec,
    log,
    (claim) => reconcileUnderClaim(container, claim, log)
  )
  return claimed?.result ?? "not_due"
}

async function reconcileUnderClaim(container: MedusaContainer, claim: WorkClaim, log: Logger): Promise<ReconcileOutcome> {
  const payments = clickModule(container)
  const transaction = await payments.retrieveClickTransaction(claim.id)
  const gateway = clickMerchantGateway(transaction.service_id)
  const cancel = async (detail: string) => {
    await payments.transition({
      id: claim.id,
      from: ClickPaymentState.Prepared,
      to: ClickPaymentState.Cancelled,
      reason: "reconciled",
      detail,
    })
    log.info({ merchant_trans_id: transaction.merchant_trans_id, detail }, "Click reports the payment did not go through")
    return "cancelled" as const
  }
  const later = async (detail: string) => {
    await payments.rescheduleWork(claim, paymentPolicy().retryDelaySec(claim.attempt), `reconciliation: ${detail}`)
    return "pending" as const
  }
  try {
    const paymentId = transaction.click_paydoc_id ?? (await findPaymentId(gateway.api, transaction))
    const { paymentStatus, errorNote } = await gateway.api.paymentStatus(paymentId)
    if (paymentStatus < 0) {
      return cancel(errorNote ?? `payment_status ${paymentStatus}`)
    }
    if (paymentStatus !== ClickPaymentStatus.Success) {
      return later(`Click reports payment_status ${paymentStatus}`)
    }
    const confirmation = gateway.confirmationFor({
      cartId: transaction.merchant_trans_id,
      amountTiyin: storedTiyin(transaction.amount_tiyin).toString(),
      merchantPrepareId: String(transaction.merchant_prepare_id),
    })
    const outcome = await recordDebit(container, transaction, { confirmation, reason: "reconciled" }, log)
    if (outcome.state === "confirmed") {
      placeClickOrderInBackground(container, transaction.id, log)
    }
    return outcome.state === "already_settled" ? "pending" : outcome.state
  } catch (error) {
    if (error instanceof ClickMerchantApiError && error.kind === "refused") {
      return claim.attempt >= UNKNOWN_AT_CLICK_ATTEMPTS
        ? cancel(`Click knows no such payment: ${error.errorNote ?? error.message}`)
        : later(error.errorNote ?? error.message)
    }
    return later((error as Error)?.message ?? String(error))
  }
}

/** Looks a `prepared` payment up at Click now rather than at the job's next run; a failure is the job's to retry. */
export function reconcileClickPaymentInBackground(container: MedusaContainer, transactionId: string, log: Logger): void {
  reconcileClickPayment(container, transactionId, log).catch((error) =>
    log.error({ err: (error as Error)?.message }, "reconciliation of a late Complete failed; the job retries")
  )
}

/**
 * Click's payment id for our cart, by `merchant_trans_id` and the day the
 * payment was made in Tashkent; around midnight that may be the next day.
 */
async function findPaymentId(
  api: ReturnType<typeof clickMerchantGateway>["api"],
  transaction: { merchant_trans_id: string; created_at: Date | string }
): Promise<string> {
  const created = new Date(transaction.created_at)
  try {
    return (await api.paymentStatusByMerchantTransId(transaction.merchant_trans_id, created)).paymentId
  } catch (error) {
    if (error instanceof ClickMerchantApiError && error.kind === "refused") {
      return (await api.paymentStatusByMerchantTransId(transaction.merchant_trans_id, new Date(created.getTime() + DAY_MS)))
        .paymentId
    }
    throw error
  }
}
