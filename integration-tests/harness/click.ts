import { formatSignTime, signComplete, signPrepare } from "../../src/click"
import type { Backend } from "./backend"
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

/** The fields Click sends on both callbacks, before signing. */
function commonFields(args: ClickCallArgs, action: string) {
  return {
    click_trans_id: args.clickTransId ?? newClickTransId(),
    service_id: args.serviceId ?? clickMerchant.serviceId,
    click_paydoc_id: args.clickPaydocId ?? "4" + (args.clickTransId ?? "000"),
    merchant_trans_id: args.cartId,
    amount: args.amount,
    action: args.action ?? action,
    error: args.error ?? "0",
    error_note: args.error && args.error !== "0" ? "Cancelled" : "Success",
    sign_time: args.signTime ?? formatSignTime(new Date()),
  }
}

/** Click's side of the protocol: a correctly signed Prepare, as Click's servers send it. */
export function prepareFields(args: ClickCallArgs): Record<string, string> {
  const fields = commonFields(args, "0")
  const sign_string = signPrepare(fields, args.secretKey ?? clickMerchant.secretKey)
  return { ...fields, sign_string, ...args.tamper }
}

export function completeFields(args: ClickCallArgs): Record<string, string> {
  const fields = { ...commonFields(args, "1"), merchant_prepare_id: String(args.merchantPrepareId ?? "") }
  const sign_string = signComplete(fields, args.secretKey ?? clickMerchant.secretKey)
  return { ...fields, sign_string, ...args.tamper }
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
