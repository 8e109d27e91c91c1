import { randomInt } from "node:crypto"
import { parseSoumsToTiyin, signedCompleteFields, signedPrepareFields } from "../click"
import type { PaymentRegistration } from "./merchant-api-ledger"

/** Where Click's servers send a service's callbacks, and the secret they sign them with. */
export interface ClickCallbackTarget {
  serviceId: string
  secretKey: string
  prepareUrl: string
  completeUrl: string
}

export interface PlayedPayment {
  /** What Click pays (the cart id, for this plugin). */
  merchantTransId: string
  /** In soums, as Click sends it on. */
  amount: string
  /** The shopper declined: the payment fails and Complete reports it. */
  decline: boolean
}

export interface PlayedPaymentResult {
  /** Click's error: 0 when the payment went through. */
  error: number
  errorNote: string
  step: "prepare" | "complete"
}

/** Click's error for a payment the shopper declined; the ledger keeps it as the payment's (negative) status. */
const DECLINED = -5017

/**
 * What Click's servers do for one payment, whether the shopper pays on Click's
 * page or confirms an invoice in the Click app: Prepare, then (when paid) the
 * debit in the Merchant API ledger and Complete error=0, or (when declined)
 * the failed payment in the ledger and Complete with a negative error; a
 * refused Prepare is followed by a cancelling Complete when it named a
 * prepare id. Both callbacks go over real HTTP, form-encoded and signed with
 * the secret key (src/click/click-side.ts, the one signer).
 */
export async function playClickPayment(
  target: ClickCallbackTarget,
  payment: PlayedPayment,
  recordPayment: (payment: PaymentRegistration) => Promise<void>
): Promise<PlayedPaymentResult> {
  const clickTransId = String(randomInt(1_000_000_000, 281_474_976_710_655))
  const clickPaydocId = String(randomInt(1_000_000_000, 281_474_976_710_655))
  const input = {
    clickTransId,
    clickPaydocId,
    serviceId: target.serviceId,
    merchantTransId: payment.merchantTransId,
    amount: payment.amount,
  }
  const prepared = await postCallback(target.prepareUrl, signedPrepareFields(input, target.secretKey))
  if (prepared.error !== 0) {
    if (typeof prepared.merchant_prepare_id === "number") {
      await postCallback(
        target.completeUrl,
        signedCompleteFields({ ...input, merchantPrepareId: prepared.merchant_prepare_id, error: String(DECLINED) }, target.secretKey)
      )
    }
    return { error: Number(prepared.error), errorNote: String(prepared.error_note ?? ""), step: "prepare" }
  }
  const complete = { ...input, merchantPrepareId: prepared.merchant_prepare_id as number }
  const ledgerEntry = {
    payment_id: clickPaydocId,
    click_trans_id: clickTransId,
    merchant_trans_id: payment.merchantTransId,
    amount_tiyin: (parseSoumsToTiyin(payment.amount) ?? 0n).toString(),
  }
  if (payment.decline) {
    await recordPayment({ ...ledgerEntry, status: DECLINED })
    const cancelled = await postCallback(target.completeUrl, signedCompleteFields({ ...complete, error: String(DECLINED) }, target.secretKey))
    return { error: DECLINED, errorNote: `Payment declined (merchant answered ${cancelled.error})`, step: "complete" }
  }
  await recordPayment(ledgerEntry)
  const completed = await postCallback(target.completeUrl, signedCompleteFields(complete, target.secretKey))
  return { error: Number(completed.error), errorNote: String(completed.error_note ?? ""), step: "complete" }
}

async function postCallback(url: string, fields: Record<string, string>): Promise<Record<string, unknown>> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
      signal: AbortSignal.timeout(30_000),
    })
    return (await response.json()) as Record<string, unknown>
  } catch (error) {
    return { error: -7, error_note: `the merchant did not answer: ${(error as Error).message}` }
  }
}
