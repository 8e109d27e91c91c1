import { signedCompleteFields, signedPrepareFields, type ClickCallbackInput } from "../../src/click"
import type { Backend } from "./backend"
import { recordDebitAtClick, rememberPrepared } from "./click-ledger"
import { createPayableCart } from "./storefront"
import { clickMerchant } from "./test-env"

let nextClickTransId = 7_000_000_000 + Math.floor(Math.random() * 1_000_000)

export function newClickTransId(): string {
  return String(nextClickTransId++)
}

export interface ClickCallArgs {
  cartId: string
  amount: string
  clickTransId?: string
  clickPaydocId?: string
  merchantPrepareId?: string | number
  error?: string
  signTime?: string
  secretKey?: string
  serviceId?: string
  action?: string
  /** Fields to change after signing (a tampered request). */
  tamper?: Record<string, string>
  json?: boolean
  /**
   * Complete only: whether Click took the money, recorded in Click's ledger
   * before the Complete is sent (harness/click-ledger.ts). Default: when the
   * Complete says so (error=0). false: a Complete Click never debited, such
   * as a replay with a changed `error`.
   */
  debited?: boolean
}

/** Click's side of the protocol: a correctly signed Prepare, as Click's servers send it (src/click signs). */
export function prepareFields(args: ClickCallArgs): Record<string, string> {
  return { ...signedPrepareFields(callbackInput(args), args.secretKey ?? clickMerchant.secretKey), ...args.tamper }
}

export function completeFields(args: ClickCallArgs): Record<string, string> {
  const input = { ...callbackInput(args), merchantPrepareId: args.merchantPrepareId ?? "" }
  return { ...signedCompleteFields(input, args.secretKey ?? clickMerchant.secretKey), ...args.tamper }
}

function callbackInput(args: ClickCallArgs): ClickCallbackInput {
  const clickTransId = args.clickTransId ?? newClickTransId()
  return {
    clickTransId,
    serviceId: args.serviceId ?? clickMerchant.serviceId,
    clickPaydocId: args.clickPaydocId ?? "4" + (args.clickTransId ?? "000"),
    merchantTransId: args.cartId,
    amount: args.amount,
    error: args.error,
    signTime: args.signTime,
    action: args.action,
  }
}

export async function postCallback(
  backend: Backend | { url: string },
  endpoint: "prepare" | "complete",
  fields: Record<string, string> | string,
  options: { json?: boolean; contentType?: string } = {}
) {
  const body =
    typeof fields === "string"
      ? fields
      : options.json
        ? JSON.stringify(fields)
        : new URLSearchParams(fields).toString()
  const response = await fetch(`${backend.url}/hooks/click/${endpoint}`, {
    method: "POST",
    headers: {
      "content-type":
        options.contentType ?? (options.json ? "application/json" : "application/x-www-form-urlencoded"),
    },
    body,
  })
  const text = await response.text()
  let json: any = null
  try {
    json = JSON.parse(text)
  } catch {
    // asserted by the caller
  }
  return { status: response.status, body: json, text, headers: Object.fromEntries(response.headers) }
}

export async function clickPrepare(backend: Backend | { url: string }, args: ClickCallArgs) {
  const fields = prepareFields(args)
  const answer = await postCallback(backend, "prepare", fields, { json: args.json })
  if (answer.body?.error === 0) {
    rememberPrepared(answer.body.merchant_prepare_id, {
      paydocId: fields.click_paydoc_id,
      clickTransId: fields.click_trans_id,
      cartId: fields.merchant_trans_id,
      amount: fields.amount,
    })
  }
  return answer
}

/** Click's Complete; when it reports a debit, Click recorded that debit in its ledger first. */
export async function clickComplete(backend: Backend | { url: string }, args: ClickCallArgs) {
  const fields = completeFields(args)
  if (args.debited ?? (args.error ?? "0") === "0") {
    await recordDebitAtClick({
      merchantPrepareId: args.merchantPrepareId,
      paydocId: fields.click_paydoc_id,
      clickTransId: fields.click_trans_id,
      cartId: fields.merchant_trans_id,
      amount: fields.amount,
    })
  }
  return postCallback(backend, "complete", fields, { json: args.json })
}

/** A storefront's payable cart, and Click's Prepare of it (answered 0): what a Complete then names. */
export async function preparedCart(backend: Backend, options: Parameters<typeof createPayableCart>[1] = {}) {
  const cart = await createPayableCart(backend, options)
  const clickTransId = newClickTransId()
  const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId })
  if (prepared.body.error !== 0) throw new Error(`Prepare of ${cart.cartId} answered ${JSON.stringify(prepared.body)}`)
  return {
    cartId: cart.cartId,
    amount: cart.amount,
    email: options?.email,
    clickTransId,
    merchantPrepareId: prepared.body.merchant_prepare_id as number,
  }
}
