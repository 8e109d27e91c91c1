import { inject } from "vitest"
import { parseSoumsToTiyin } from "../../src/click"
import type { MerchantApiDouble } from "../../src/sandbox/merchant-api-double"
import type { PaymentRegistration } from "../../src/sandbox/merchant-api-ledger"

/**
 * Click's ledger, as the tests play Click: Click records a debit before it
 * sends the Complete that reports it, and the backend asks Click's Merchant
 * API (payment/status) before it places an order. The ledgers are the run's
 * Merchant API double (click-merchant-api.ts: every backend that brings no
 * double of its own asks it) and the doubles this test file started
 * (click-double.ts), so a debit is found whichever of them the backend asks.
 */
const fileLedgers: MerchantApiDouble[] = []

/** Adds a double this file started; the returned function takes it out again (when it stops: workers run file after file). */
export function addFileLedger(double: MerchantApiDouble): () => void {
  fileLedgers.push(double)
  return () => {
    const index = fileLedgers.indexOf(double)
    if (index >= 0) fileLedgers.splice(index, 1)
  }
}

/** What Click's Prepare named, by the merchant_prepare_id we answered: the payment Click then debits. */
const prepared = new Map<string, { paydocId: string; clickTransId: string; cartId: string; amount: string }>()

export function rememberPrepared(
  merchantPrepareId: unknown,
  payment: { paydocId: string; clickTransId: string; cartId: string; amount: string }
): void {
  if (typeof merchantPrepareId === "number" || typeof merchantPrepareId === "string") {
    prepared.set(String(merchantPrepareId), payment)
  }
}

/**
 * Click took the money of the payment a Complete names (its Prepare's payment
 * number when this worker sent that Prepare, else the Complete's own): it goes
 * into Click's ledgers, paid. A payment already there keeps what it has.
 */
export async function recordDebitAtClick(complete: {
  merchantPrepareId?: string | number
  paydocId: string
  clickTransId: string
  cartId: string
  amount: string
}): Promise<void> {
  const payment = prepared.get(String(complete.merchantPrepareId ?? "")) ?? complete
  const tiyin = parseSoumsToTiyin(payment.amount)
  if (tiyin === null || tiyin <= 0n || !/^\d{1,19}$/.test(payment.paydocId) || !payment.cartId || payment.cartId.length > 255) {
    return // not a payment Click could have taken
  }
  const registration: PaymentRegistration = {
    payment_id: payment.paydocId,
    click_trans_id: /^\d{1,19}$/.test(payment.clickTransId) ? payment.clickTransId : undefined,
    merchant_trans_id: payment.cartId,
    amount_tiyin: tiyin.toString(),
  }
  for (const double of fileLedgers) {
    if (!double.payment(payment.paydocId)) double.registerPayment(registration)
  }
  const response = await fetch(new URL("payments", inject("clickMerchantApi").controlUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(registration),
  })
  if (!response.ok && response.status !== 409) {
    throw new Error(`the run's Merchant API double refused the debit: HTTP ${response.status} ${await response.text()}`)
  }
}
