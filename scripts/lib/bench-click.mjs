// The bench's client side: a storefront on Medusa's store API and Click's
// signed Prepare/Complete callbacks. Signing comes from src/click itself (one
// signer for the backend, the tests and the bench), loaded through ts-node.
import { createRequire } from "node:module"

export { clickMerchant, testEnv as benchEnv } from "./test-env.mjs"
export { storeClient } from "./storefront.mjs"
import { clickMerchant } from "./test-env.mjs"

const require = createRequire(import.meta.url)
require("ts-node").register({ transpileOnly: true, compilerOptions: { module: "commonjs" } })
const { formatSignTime, parseSoumsToTiyin, signComplete, signPrepare } = require("../../src/click/index.ts")
const { startMerchantApiDouble } = require("../../src/sandbox/merchant-api-double.ts")

let nextClickTransId = 8_000_000_000 + Math.floor(Math.random() * 1_000_000_000)
export const newClickTransId = () => String(nextClickTransId++)

function commonFields({ cartId, amount, clickTransId }, action) {
  return {
    click_trans_id: clickTransId,
    service_id: clickMerchant.serviceId,
    click_paydoc_id: "4" + clickTransId,
    merchant_trans_id: cartId,
    amount,
    action,
    error: "0",
    error_note: "Success",
    sign_time: formatSignTime(new Date()),
  }
}

/**
 * Click's Merchant API for the bench's backends: the project's double, in
 * this process. The backend asks it whether a Complete's money was taken
 * before it places the order (verifyPayments), as it asks Click.
 */
export function startClickLedger() {
  return startMerchantApiDouble({
    serviceId: clickMerchant.serviceId,
    merchantUserId: clickMerchant.merchantUserId,
    secretKey: clickMerchant.secretKey,
  })
}

/** Click took the money of a prepared cart: its debit goes into the ledger before Click's Complete is sent. */
export function recordDebit(ledger, { cartId, amount, clickTransId }) {
  const paymentId = "4" + clickTransId
  if (ledger.payment(paymentId)) return
  ledger.registerPayment({
    payment_id: paymentId,
    click_trans_id: clickTransId,
    merchant_trans_id: cartId,
    amount_tiyin: String(parseSoumsToTiyin(amount)),
  })
}

export function prepareFields(args) {
  const fields = commonFields(args, "0")
  return { ...fields, sign_string: signPrepare(fields, clickMerchant.secretKey) }
}

export function completeFields(args) {
  const fields = { ...commonFields(args, "1"), merchant_prepare_id: String(args.merchantPrepareId) }
  return { ...fields, sign_string: signComplete(fields, clickMerchant.secretKey) }
}

/**
 * A request that hangs this long is a failure, not a sample. Generous: the
 * last of 256 bare completions sent at once to two backends on 2 cores waits
 * for all the others.
 */
const REQUEST_TIMEOUT_MS = 300_000

/** One HTTP call, timed from just before fetch to the end of the body. */
export async function timed(url, init) {
  const started = performance.now()
  const response = await fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init })
  const text = await response.text()
  const ms = performance.now() - started
  let body = null
  try {
    body = JSON.parse(text)
  } catch {
    // judged by the caller
  }
  return { ms, status: response.status, body, text }
}

/** Posts a callback as Click does (form-encoded); resolves with the timed answer. */
export function postCallback(baseUrl, endpoint, fields) {
  return timed(`${baseUrl}/hooks/click/${endpoint}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  })
}
