import { clickErrorNote, type ClickErrorCodeValue } from "./errors"

interface AnswerArgs {
  click_trans_id?: string
  merchant_trans_id?: string
  error: ClickErrorCodeValue
  error_note?: string
}

interface AnswerIds {
  click_trans_id?: number | string
  merchant_trans_id?: string
}

export interface PrepareAnswer extends AnswerIds {
  merchant_prepare_id: number | null
  error: number
  error_note: string
}

export interface CompleteAnswer extends AnswerIds {
  merchant_confirm_id: number | null
  error: number
  error_note: string
}

export function prepareAnswer(
  args: AnswerArgs & { merchant_prepare_id?: number | null },
): PrepareAnswer {
  return {
    ...echoedIds(args),
    merchant_prepare_id: args.merchant_prepare_id ?? null,
    error: args.error,
    error_note: args.error_note ?? clickErrorNote(args.error),
  }
}

export function completeAnswer(
  args: AnswerArgs & { merchant_confirm_id?: number | null },
): CompleteAnswer {
  return {
    ...echoedIds(args),
    merchant_confirm_id: args.merchant_confirm_id ?? null,
    error: args.error,
    error_note: args.error_note ?? clickErrorNote(args.error),
  }
}

function echoedIds(args: AnswerArgs): AnswerIds {
  const ids: AnswerIds = {}
  if (args.click_trans_id !== undefined) ids.click_trans_id = clickTransIdForJson(args.click_trans_id)
  if (args.merchant_trans_id !== undefined) ids.merchant_trans_id = args.merchant_trans_id
  return ids
}

// click_trans_id is a 64-bit integer: above 2^53 a JSON number would silently
// change its value, so those (and anything that is not a canonical integer) stay strings.
function clickTransIdForJson(value: string): number | string {
  const asNumber = Number(value)
  return Number.isSafeInteger(asNumber) && String(asNumber) === value ? asNumber : value
}
