import { expect } from "vitest"
import { parseSoumsToTiyin } from "../../src/click"
import type { MerchantApiDouble } from "../../src/sandbox/merchant-api-double"
import { startMerchantApiDoubleWithFaults, type MerchantApiDoubleWithFaults } from "../../tests/harness/merchant-api-faults"
import type { Backend } from "./backend"
import { clickComplete, clickPrepare, newClickTransId } from "./click"
import { addFileLedger } from "./click-ledger"
import { clickMerchant } from "./test-env"

/**
 * Click's Merchant API for the tests' Click merchant: the project's double,
 * over real HTTP, behind the tests' fault front (its `url` is the front's), so
 * a file can make Click misbehave. Click's Completes that this file sends
 * record their debits in its ledger too (click-ledger.ts).
 */
export async function startClickDouble(): Promise<MerchantApiDoubleWithFaults> {
  const double = await startMerchantApiDoubleWithFaults({
    serviceId: clickMerchant.serviceId,
    merchantUserId: clickMerchant.merchantUserId,
    secretKey: clickMerchant.secretKey,
  })
  const removeLedger = addFileLedger(double)
  const stop = double.stop
  return Object.assign(double, {
    async stop() {
      removeLedger()
      await stop()
    },
  })
}

export interface ClickPayment {
  cartId: string
  amount: string
  clickTransId: string
  clickPaydocId: string
  merchantPrepareId: number
  /** The Complete's answer; null when it was not sent. */
  answer: Record<string, any> | null
}

/**
 * Click's side of paying a cart: Prepare, then (unless declined) the debit in
 * Click's ledger, then (unless told not to) Complete — error=-5017 when declined.
 */
export async function clickPays(
  backend: Backend,
  double: MerchantApiDouble,
  cart: { cartId: string; amount: string },
  options: { complete?: boolean; decline?: boolean; signTime?: string; clickStatus?: number } = {}
): Promise<ClickPayment> {
  const clickTransId = newClickTransId()
  const clickPaydocId = `9${clickTransId}`
  const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId, clickPaydocId })
  expect(prepared.body.error).toBe(0)
  const payment = { ...cart, clickTransId, clickPaydocId, merchantPrepareId: prepared.body.merchant_prepare_id as number }
  if (!options.decline) {
    double.registerPayment({
      payment_id: clickPaydocId,
      click_trans_id: clickTransId,
      merchant_trans_id: cart.cartId,
      amount_tiyin: String(parseSoumsToTiyin(cart.amount)),
      status: options.clickStatus,
    })
  }
  if (options.complete === false) return { ...payment, answer: null }
  const answer = await clickComplete(backend, {
    ...payment,
    signTime: options.signTime,
    error: options.decline ? "-5017" : undefined,
  })
  return { ...payment, answer: answer.body }
}
