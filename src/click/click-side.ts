import { formatSignTime } from "./sign-time"
import { signComplete, signPrepare } from "./signature"

/** What Click's servers put in a callback, before signing. */
export interface ClickCallbackInput {
  clickTransId: string
  serviceId: string
  /** Click's payment number; sent, but not signed. */
  clickPaydocId?: string
  merchantTransId: string
  amount: string
  /** Complete only: the id our Prepare answered. */
  merchantPrepareId?: string | number
  /** 0, or a negative code when Click cancelled (Complete). */
  error?: string
  signTime?: Date | string
  /** Another action than the callback's own, signed as sent: how a misrouted callback looks. */
  action?: string
}

function commonFields(input: ClickCallbackInput, ownAction: "0" | "1") {
  const action = input.action ?? ownAction
  const error = input.error ?? "0"
  return {
    click_trans_id: input.clickTransId,
    service_id: input.serviceId,
    click_paydoc_id: input.clickPaydocId ?? `4${input.clickTransId}`,
    merchant_trans_id: input.merchantTransId,
    amount: input.amount,
    action,
    error,
    error_note: error === "0" ? "Success" : "Cancelled",
    sign_time: typeof input.signTime === "string" ? input.signTime : formatSignTime(input.signTime ?? new Date()),
  }
}

/**
 * Click's side of the protocol: a Prepare exactly as Click's servers send it,
 * form fields signed with the merchant's secret. The sandbox pay page, the
 * certification runner, the tests and the bench all sign with this.
 */
export function signedPrepareFields(input: ClickCallbackInput, secretKey: string): Record<string, string> {
  const fields = commonFields(input, "0")
  return { ...fields, sign_string: signPrepare(fields, secretKey) }
}

export function signedCompleteFields(input: ClickCallbackInput, secretKey: string): Record<string, string> {
  const fields = { ...commonFields(input, "1"), merchant_prepare_id: String(input.merchantPrepareId ?? "") }
  return { ...fields, sign_string: signComplete(fields, secretKey) }
}
