// The bench's client side: a storefront on Medusa's store API and Click's
// signed Prepare/Complete callbacks, with Node's own fetch and crypto.
import { createHash } from "node:crypto"

export { clickMerchant, testEnv as benchEnv } from "./test-env.mjs"
export { storeClient } from "./storefront.mjs"
import { clickMerchant } from "./test-env.mjs"

const md5 = (text) => createHash("md5").update(text, "utf8").digest("hex")

/** Click's `YYYY-MM-DD HH:mm:ss` in Tashkent time (fixed UTC+5). */
export function formatSignTime(date = new Date()) {
  const local = new Date(date.getTime() + 5 * 60 * 60 * 1000)
  return local.toISOString().slice(0, 19).replace("T", " ")
}

let nextClickTransId = 8_000_000_000 + Math.floor(Math.random() * 1_000_000_000)
export const newClickTransId = () => String(nextClickTransId++)

export function prepareFields({ cartId, amount, clickTransId }) {
  const f = {
    click_trans_id: clickTransId,
    service_id: clickMerchant.serviceId,
    click_paydoc_id: "4" + clickTransId,
    merchant_trans_id: cartId,
    amount,
    action: "0",
    error: "0",
    error_note: "Success",
    sign_time: formatSignTime(),
  }
  f.sign_string = md5(
    f.click_trans_id + f.service_id + clickMerchant.secretKey + f.merchant_trans_id + f.amount + f.action + f.sign_time
  )
  return f
}

export function completeFields({ cartId, amount, clickTransId, merchantPrepareId }) {
  const f = {
    click_trans_id: clickTransId,
    service_id: clickMerchant.serviceId,
    click_paydoc_id: "4" + clickTransId,
    merchant_trans_id: cartId,
    merchant_prepare_id: String(merchantPrepareId),
    amount,
    action: "1",
    error: "0",
    error_note: "Success",
    sign_time: formatSignTime(),
  }
  f.sign_string = md5(
    f.click_trans_id +
      f.service_id +
      clickMerchant.secretKey +
      f.merchant_trans_id +
      f.merchant_prepare_id +
      f.amount +
      f.action +
      f.sign_time
  )
  return f
}

/** A request that hangs this long is a failure, not a sample. */
const REQUEST_TIMEOUT_MS = 120_000

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
