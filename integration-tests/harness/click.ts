import { signedCompleteFields, signedPrepareFields, type ClickCallbackInput } from "../../src/click"
import type { Backend } from "./backend"
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

export const clickPrepare = (backend: Backend | { url: string }, args: ClickCallArgs) =>
  postCallback(backend, "prepare", prepareFields(args), { json: args.json })

export const clickComplete = (backend: Backend | { url: string }, args: ClickCallArgs) =>
  postCallback(backend, "complete", completeFields(args), { json: args.json })

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
