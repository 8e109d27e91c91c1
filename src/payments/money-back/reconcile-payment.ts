import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import {
  nextReconcileStep,
  wordOfLookupFailure,
  wordOfPaymentStatus,
  type ClickWord,
} from "../../click"
import { ClickPaymentState, type WorkClaim } from "../../modules/click"
import { clickMerchantGateway, type ClickMerchantGateway } from "../../providers/click/merchant-gateway"
import { clickPaymentNumber } from "../click-payment-number"
import { clickModule, type ClickTransactionRecord } from "../click-transactions"
import { noteMerchantApiCredentials, type CredentialsSign } from "../merchant-api-credentials"
import { placeClickOrderInBackground, settleCartQueueInBackground } from "../placement/place-order"
import { paymentPolicy } from "../policy"
import { recordDebit, stampOfAttempt } from "../callbacks/record-debit"
import { workOnClaimedPayment } from "../work-claim"

export type ReconcileOutcome = "confirmed" | "queued" | "refund_required" | "cancelled" | "duplicate" | "pending" | "stalled" | "not_due"

/**
 * Asks Click's Merchant API about a `prepared` payment whose Complete never
 * came (or came only with a stale signature), and never guesses
 * (src/click/reconciliation.ts):
 *
 * - paid: the same path as a Complete, then its order;
 * - Click says no (a negative payment_status, or not found for both candidate
 *   days): `cancelled` only when that answer came `reconcileCancelAnswers`
 *   times in a row, the first and the last `reconcileCancelSpreadSec` apart
 *   (an hour); the streak is its own column, not the claim's attempts;
 * - in progress: asked again later; past `reconcileInProgressHorizonSec`
 *   (24 h) no longer asked, shown as needing attention, never cancelled;
 * - no usable answer (401/403, another 4xx, a redirect, a 5xx, a timeout):
 *   asked again later, and it counts for nothing. 401/403 open one admin alert
 *   and write one log line naming the fix (click_alert);
 * - the same Click payment (`click_paydoc_id`) as another attempt Click
 *   debited: `duplicate`, and nothing of it is reversed.
 */
export async function reconcileClickPayment(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<ReconcileOutcome> {
  return workOnClaimedPayment(container, transactionId, ClickPaymentState.Prepared, log, (claim, transaction) =>
    reconcileUnderClaim(container, claim, transaction, log)
  )
}

async function reconcileUnderClaim(
  container: MedusaContainer,
  claim: WorkClaim,
  transaction: ClickTransactionRecord,
  log: Logger
): Promise<ReconcileOutcome> {
  const payments = clickModule(container)
  const fields = { merchant_trans_id: transaction.merchant_trans_id, merchant_prepare_id: transaction.merchant_prepare_id }

  const twin = await payments.findDebitedTwin(transaction)
  if (twin) {
    return sameAsTwin(container, transaction, twin, log)
  }

  const gateway = clickMerchantGateway(transaction.service_id)
  const { word, foundPaymentId } = await askClick(container, gateway, transaction)
  const credentials = credentialsSignOf(word)
  if (credentials) {
    await noteMerchantApiCredentials(container, gateway.serviceId, credentials, log)
  }
  const step = nextReconcileStep(
    word,
    {
      noCount: transaction.reconcile_no_count ?? 0,
      noSince: transaction.reconcile_no_since ? new Date(transaction.reconcile_no_since) : null,
      inProgressSince: transaction.reconcile_in_progress_since ? new Date(transaction.reconcile_in_progress_since) : null,
    },
    new Date(),
    gateway.reconcileRules
  )

  switch (step.action) {
    case "confirm": {
      const confirmation = stampOfAttempt(gateway, transaction)
      // A payment found by our cart id is kept on the row: later steps and a person then name the same one.
      const set = foundPaymentId ? { click_paydoc_id: foundPaymentId } : undefined
      const outcome = await recordDebit(container, transaction, { confirmation, reason: "reconciled", set }, log)
      if (outcome.state === "confirmed") {
        placeClickOrderInBackground(container, transaction.id, log)
      }
      if (outcome.state === "queued") {
        settleCartQueueInBackground(container, transaction.merchant_trans_id, log)
      }
      return outcome.state === "already_settled" ? "pending" : outcome.state
    }
    case "cancel": {
      const moved = await payments.transition({
        id: claim.id,
        from: ClickPaymentState.Prepared,
        to: ClickPaymentState.Cancelled,
        reason: "reconciled",
        detail: step.detail,
        set: { last_error: step.detail },
      })
      if (!moved) return "pending"
      log.info({ ...fields, detail: step.detail }, "Click reports the payment did not go through")
      return "cancelled"
    }
    case "stall": {
      if (await payments.stallReconciliation(claim, { streak: step.streak, detail: step.detail })) {
        log.warn({ ...fields, detail: step.detail }, "Click payment still in progress past the horizon: a person has to look")
      }
      return "stalled"
    }
    case "wait": {
      const backoffSec = paymentPolicy().retryDelaySec(claim.attempt)
      const dueInSec = step.dueWithinSec === null ? backoffSec : Math.min(backoffSec, step.dueWithinSec)
      await payments.recordReconcileLookup(claim, { streak: step.streak, dueInSec, lastError: `reconciliation: ${step.detail}` })
      return "pending"
    }
  }
}

/**
 * What Click says about the payment: by its `click_paydoc_id` when Click sent
 * one; otherwise by our cart id on both candidate days, where only "not
 * found" on both is Click's "no" (clickPaymentNumber). A payment found that
 * way which is another attempt's own says nothing about this one.
 */
async function askClick(
  container: MedusaContainer,
  gateway: ClickMerchantGateway,
  transaction: ClickTransactionRecord
): Promise<{ word: ClickWord; foundPaymentId?: string }> {
  const { api } = gateway
  try {
    const paymentId = await clickPaymentNumber(api, transaction)
    if (!transaction.click_paydoc_id) {
      const [owner] = await clickModule(container).listClickTransactions(
        { click_paydoc_id: paymentId, service_id: transaction.service_id },
        { select: ["id"], take: 1 }
      )
      if (owner && owner.id !== transaction.id) {
        return { word: { word: "none", credentials: false, detail: `Click's payment ${paymentId} for this cart is attempt ${owner.id}'s, not this one's` } }
      }
    }
    const { paymentStatus, errorNote } = await api.paymentStatus(paymentId)
    return { word: wordOfPaymentStatus(paymentStatus, errorNote), foundPaymentId: transaction.click_paydoc_id ? undefined : paymentId }
  } catch (error) {
    return { word: wordOfLookupFailure(error) }
  }
}

/** 401/403 refused our credentials; any word about the payment proves them; other failures say nothing of them. */
function credentialsSignOf(word: ClickWord): CredentialsSign | null {
  if (word.word !== "none") return { refused: false }
  return word.credentials ? { refused: true, detail: word.detail } : null
}

/**
 * The prepared attempt is the same Click payment as `twin`, which Click
 * debited (Click repeated Prepare under a new `click_trans_id`): it is not a
 * second payment, so it is neither confirmed nor cancelled, and nothing of it
 * is ever reversed.
 */
async function sameAsTwin(
  container: MedusaContainer,
  transaction: ClickTransactionRecord,
  twin: { id: string; state: string },
  log: Logger
): Promise<ReconcileOutcome> {
  const detail = `the same Click payment (click_paydoc_id ${transaction.click_paydoc_id}) as attempt ${twin.id}, which is ${twin.state}`
  const moved = await clickModule(container).transition({
    id: transaction.id,
    from: ClickPaymentState.Prepared,
    to: ClickPaymentState.Duplicate,
    reason: "same_click_payment",
    detail,
    set: { last_error: detail },
  })
  if (!moved) return "pending"
  log.info({ merchant_trans_id: transaction.merchant_trans_id, twin: twin.id }, "Click attempt is a repeat of a debited one")
  return "duplicate"
}

/** Looks a `prepared` payment up at Click now rather than at the job's next run; a failure is the job's to retry. */
export function reconcileClickPaymentInBackground(container: MedusaContainer, transactionId: string, log: Logger): void {
  reconcileClickPayment(container, transactionId, log).catch((error) =>
    log.error({ err: (error as Error)?.message }, "reconciliation of a late Complete failed; the job retries")
  )
}
