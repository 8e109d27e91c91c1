import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, generateEntityId } from "@medusajs/framework/utils"
import { ClickMerchantApiError, ClickPaymentStatus } from "../../click"
import { storedTiyin } from "../../lib/medusa-amount"
import { CART_PAID_STATES, ClickPaymentState, type ClickPaymentStateValue } from "../../modules/click/payment-state"
import { storedText } from "../../modules/click/stored-text"
import type { ClickMerchantGateway } from "../../providers/click/merchant-gateway"
import { paymentPolicy } from "../policy"

/**
 * SQL on the database, as knex's `raw` (Medusa's `__pg_connection__`): the
 * provider, which lives in the payment module's container, has it as well as
 * the jobs, so both reverse through this one file.
 */
export interface ReversalDatabase {
  raw(sql: string, bindings?: readonly unknown[]): PromiseLike<{ rows: unknown[] }>
}

/** The database of a root or module container: Medusa's shared connection. */
export function reversalDatabase(container: Pick<MedusaContainer, "resolve">): ReversalDatabase {
  return container.resolve<ReversalDatabase>(ContainerRegistrationKeys.PG_CONNECTION)
}

type MerchantApi = ClickMerchantGateway["api"]

export const ReversalStatus = {
  /** Written before the request leaves; until settled, its outcome is unknown (in flight, or the answer was lost). */
  Sent: "sent",
  /** Click reversed it: it answered so, or its payment/status shows the payment reversed. */
  Done: "done",
  /** Click answered no: nothing was reversed. */
  Refused: "refused",
  /** Nothing was reversed: the request never left, or, after the settle delay, Click still reports the payment paid. */
  NotDone: "not_done",
} as const

export interface ReversalRow {
  id: string
  transaction_id: string
  paydoc_id: string
  amount_tiyin: string
  full_reversal: boolean
  status: (typeof ReversalStatus)[keyof typeof ReversalStatus]
  requested_by: string
  click_error_code: number | null
  click_answer: string | null
  sent_at: Date
  settled_at: Date | null
  /** Settled on a person's word (a partial reversal Click's status cannot settle): who, and what they saw. */
  settled_by: string | null
  settled_note: string | null
}

export interface ReversalTarget {
  transactionId: string
  serviceId: string | null
  paydocId: string
  /** The payment's captured amount, in tiyin. */
  capturedTiyin: bigint
}

/** A Click payment as a reversal reads it: its row's columns. */
export interface ReversiblePayment {
  id: string
  state: ClickPaymentStateValue
  service_id: string | null
  click_paydoc_id: string | null
  amount_tiyin: unknown
}

/** Another attempt of ours that Click debited under the same paydoc (ClickModuleService.findDebitedTwin). */
export interface DebitedTwin {
  id: string
  state: ClickPaymentStateValue
}

export type ReversalDecision =
  /** It may be sent, through reverseAtClick (which still finds a reversal already sent). */
  | { send: true; target: ReversalTarget }
  /** Nothing is sent; `detail` says why, for a person. */
  | { send: false; because: "no_paydoc" | "returned_outside_click"; detail: string }
  | { send: false; because: "pays_another_attempt"; twin: DebitedTwin; detail: string }

/**
 * Whether a payment's money may go back through Click, for an admin's refund
 * (the provider) and the reversal job alike: never without Click's payment id
 * (the Merchant API cannot address it), never when a person recorded it
 * returned outside Click, and never when its paydoc is the money of another
 * attempt that paid, pays or may yet pay its cart (`twin`: Click repeated
 * Prepare under a new click_trans_id), which makes this row a duplicate.
 */
export function reversalDecision(payment: ReversiblePayment, twin: DebitedTwin | null): ReversalDecision {
  const paydocId = payment.click_paydoc_id
  if (!paydocId) {
    return {
      send: false,
      because: "no_paydoc",
      detail: "Click sent no click_paydoc_id for this payment, so the Merchant API cannot address it: reverse it in the Click merchant cabinet",
    }
  }
  if (payment.state === ClickPaymentState.RefundedOutsideClick) {
    return { send: false, because: "returned_outside_click", detail: "a person recorded the money returned outside Click" }
  }
  if (twin && CART_PAID_STATES.includes(twin.state)) {
    return {
      send: false,
      because: "pays_another_attempt",
      twin,
      detail: `not reversed: click_paydoc_id ${paydocId} is also attempt ${twin.id}, which is ${twin.state}`,
    }
  }
  return {
    send: true,
    target: { transactionId: payment.id, serviceId: payment.service_id, paydocId, capturedTiyin: storedTiyin(payment.amount_tiyin) },
  }
}

export type ReversalAttempt =
  /** The money went back (`sent`: by this call's request; otherwise an earlier one, settled now or before). */
  | { outcome: "done"; sent: boolean }
  /** Click said no; nothing was reversed. */
  | { outcome: "refused"; errorCode: number | null; errorNote: string }
  /** A reversal of this payment may have happened and is not settled yet: nothing more is sent until it is. */
  | { outcome: "uncertain"; detail: string; settlesAfter: Date }
  /** Nothing was sent (Click could not be asked, or the payment is not reversible yet): try again later. */
  | { outcome: "not_sent"; detail: string }
  /** The database refused it: it would reverse more than was captured. */
  | { outcome: "exceeds_captured"; detail: string }

const COLUMNS = `id, transaction_id, paydoc_id, amount_tiyin::text AS amount_tiyin, full_reversal, status, requested_by,
  click_error_code, click_answer, sent_at, settled_at, settled_by, settled_note`

export async function reversalsOf(db: ReversalDatabase, transactionId: string): Promise<ReversalRow[]> {
  const { rows } = await db.raw(`SELECT ${COLUMNS} FROM click_reversal WHERE transaction_id = ? ORDER BY sent_at, id`, [transactionId])
  return rows as ReversalRow[]
}

/**
 * Reverses a payment at Click at most once: the whole of what is left
 * (`amountTiyin` omitted, payment/reversal) or a part (payment/partial_reversal).
 * The intent row is committed before the request leaves; a request whose
 * answer never came stays `sent` (uncertain) until Click's payment/status
 * settles it, and while it does no other reversal of the payment is sent.
 * A partial reversal Click made that Medusa holds no refund for
 * (`refundsInMedusaTiyin`: the amounts of the refunds Medusa recorded) is
 * what a refund of its amount asks for again: it is reported done, and
 * nothing is sent.
 */
export async function reverseAtClick(
  db: ReversalDatabase,
  api: MerchantApi,
  target: ReversalTarget,
  request: { amountTiyin?: bigint; requestedBy: string; refundsInMedusaTiyin?: readonly bigint[] }
): Promise<ReversalAttempt> {
  await settleUncertainReversal(db, api, target)
  const rows = await reversalsOf(db, target.transactionId)
  const unsettled = rows.find((row) => row.status === ReversalStatus.Sent)
  if (unsettled) return uncertain(unsettled)
  const full = request.amountTiyin === undefined
  if (full && rows.some((row) => row.status === ReversalStatus.Done && row.full_reversal)) {
    return { outcome: "done", sent: false }
  }
  if (!full && request.refundsInMedusaTiyin && partialReversalNotInMedusa(rows, request.amountTiyin!, request.refundsInMedusaTiyin)) {
    return { outcome: "done", sent: false }
  }
  const reversedTiyin = rows.filter((row) => row.status === ReversalStatus.Done).reduce((sum, row) => sum + storedTiyin(row.amount_tiyin), 0n)
  const amountTiyin = request.amountTiyin ?? target.capturedTiyin - reversedTiyin
  if (full) {
    // Click reverses only a paid payment; one it reports reversed went back earlier (a request we never heard of).
    let paymentStatus: number
    try {
      paymentStatus = (await api.paymentStatus(target.paydocId)).paymentStatus
    } catch (error) {
      if (error instanceof ClickMerchantApiError && error.kind === "refused") {
        return { outcome: "refused", errorCode: error.errorCode, errorNote: error.errorNote ?? error.message }
      }
      return { outcome: "not_sent", detail: `Click's payment status could not be read: ${(error as Error)?.message ?? error}` }
    }
    if (paymentStatus < 0) {
      await recordReversedAtClick(db, target, amountTiyin, request.requestedBy, `payment_status ${paymentStatus}`)
      return { outcome: "done", sent: false }
    }
    if (paymentStatus !== ClickPaymentStatus.Success) {
      return { outcome: "not_sent", detail: `Click reports payment_status ${paymentStatus}: not reversible yet` }
    }
  }
  if (amountTiyin <= 0n) {
    return { outcome: "exceeds_captured", detail: "nothing is left to reverse" }
  }
  const id = generateEntityId(undefined, "clickrv")
  try {
    await db.raw(
      `INSERT INTO click_reversal (id, transaction_id, service_id, paydoc_id, amount_tiyin, full_reversal, status, requested_by)
       VALUES (?, ?, ?, ?, ?::bigint, ?, ?, ?)`,
      [id, target.transactionId, target.serviceId, target.paydocId, amountTiyin.toString(), full, ReversalStatus.Sent, request.requestedBy]
    )
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === "23505") {
      // Another process recorded its reversal of this payment first.
      const other = (await reversalsOf(db, target.transactionId)).find((row) => row.status === ReversalStatus.Sent)
      if (other) return uncertain(other)
      return { outcome: "not_sent", detail: "another reversal of this payment was being recorded" }
    }
    if (code === "23514") {
      return { outcome: "exceeds_captured", detail: (error as Error).message }
    }
    throw error
  }
  try {
    if (full) await api.reversePayment(target.paydocId)
    else await api.partiallyReversePayment(target.paydocId, amountTiyin)
  } catch (error) {
    if (!(error instanceof ClickMerchantApiError)) {
      // The client checks its arguments before sending anything.
      await settle(db, id, ReversalStatus.NotDone, `not sent: ${(error as Error)?.message ?? error}`)
      throw error
    }
    if (error.kind === "refused") {
      if (full && (await isReversedAtClick(api, target.paydocId))) {
        // Refused as already reversed: someone reversed it at Click (the merchant cabinet) meanwhile.
        await settle(db, id, ReversalStatus.Done, `refused, and Click reports the payment reversed: ${error.errorNote ?? error.message}`)
        return { outcome: "done", sent: false }
      }
      await settle(db, id, ReversalStatus.Refused, error.errorNote ?? error.message, error.errorCode)
      return { outcome: "refused", errorCode: error.errorCode, errorNote: error.errorNote ?? error.message }
    }
    if (!error.mayHaveReachedClick) {
      await settle(db, id, ReversalStatus.NotDone, `never reached Click: ${error.message}`)
      return { outcome: "not_sent", detail: error.message }
    }
    await db.raw(`UPDATE click_reversal SET click_answer = ?, updated_at = now() WHERE id = ?`, [storedText(error.message), id])
    const [row] = (await reversalsOf(db, target.transactionId)).filter((r) => r.id === id)
    return uncertain(row)
  }
  await settle(db, id, ReversalStatus.Done, "reversed")
  return { outcome: "done", sent: true }
}

/**
 * A reversal whose answer was lost, once the settle delay
 * (CLICK_REVERSAL_SETTLE_AFTER_SEC) is over: Click's payment/status decides. A
 * reversed payment (negative status) settles it as done; a full reversal of a
 * payment Click still reports paid did not happen. A partial one cannot be
 * read off the status (the payment stays paid either way): it stays
 * uncertain, for a person. Returns the row still unsettled, if any.
 */
export async function settleUncertainReversal(db: ReversalDatabase, api: MerchantApi, target: ReversalTarget): Promise<ReversalRow | null> {
  const unsettled = (await reversalsOf(db, target.transactionId)).find((row) => row.status === ReversalStatus.Sent)
  if (!unsettled) return null
  if (Date.now() < settlesAfter(unsettled).getTime()) return unsettled
  let paymentStatus: number
  try {
    paymentStatus = (await api.paymentStatus(unsettled.paydoc_id)).paymentStatus
  } catch {
    return unsettled
  }
  if (paymentStatus < 0) {
    await settle(db, unsettled.id, ReversalStatus.Done, `Click reports payment_status ${paymentStatus}`)
    return null
  }
  if (paymentStatus === ClickPaymentStatus.Success && unsettled.full_reversal) {
    await settle(db, unsettled.id, ReversalStatus.NotDone, "Click still reports the payment paid")
    return null
  }
  return unsettled
}

/**
 * A done partial reversal of `amountTiyin` that none of Medusa's refunds
 * stands for: Medusa's refunds are matched one for one, by amount, against
 * the done partial reversals, and one of that amount is left over. It went
 * back at Click while Medusa recorded nothing: its answer was lost and a
 * person settled it as done, or the process stopped before Medusa committed
 * the refund.
 */
export function partialReversalNotInMedusa(rows: ReversalRow[], amountTiyin: bigint, refundsInMedusaTiyin: readonly bigint[]): ReversalRow | undefined {
  const unmatched = [...refundsInMedusaTiyin]
  return rows.find((row) => {
    if (row.status !== ReversalStatus.Done || row.full_reversal) return false
    const index = unmatched.indexOf(storedTiyin(row.amount_tiyin))
    if (index >= 0) {
      unmatched.splice(index, 1)
      return false
    }
    return storedTiyin(row.amount_tiyin) === amountTiyin
  })
}

/** Whether a reversal of the payment went to Click and did not come back refused or not done: money that went back, or may have. */
export async function reversalSentOrDone(db: ReversalDatabase, transactionId: string): Promise<boolean> {
  return (await reversalsOf(db, transactionId)).some((row) => row.status === ReversalStatus.Sent || row.status === ReversalStatus.Done)
}

export type PersonsWord = typeof ReversalStatus.Done | typeof ReversalStatus.NotDone

export type PersonsSettlement =
  | { settled: true; reversal: ReversalRow }
  | { settled: false; refusal: "not_found" | "not_uncertain" | "full_reversal" | "too_early"; detail: string }

/**
 * A partial reversal whose answer was lost stays uncertain for ever: the
 * payment stays paid at Click either way, so its payment/status cannot tell.
 * A person who looked it up in Click's merchant cabinet settles it: done (it
 * counts toward the reversed sum) or not done (the payment is free for a new
 * reversal). Only past the settle delay, only a partial reversal (Click's
 * status settles a full one) and only while it is still uncertain; the row
 * keeps who and what they saw, and the payment's audit gets a row in the same
 * statement. Nothing is sent to Click.
 */
export async function settleReversalOnPersonsWord(
  db: ReversalDatabase,
  input: { transactionId: string; reversalId: string; outcome: PersonsWord; settledBy: string; note: string }
): Promise<PersonsSettlement> {
  const reversal = (await reversalsOf(db, input.transactionId)).find((row) => row.id === input.reversalId)
  if (!reversal) {
    return { settled: false, refusal: "not_found", detail: `This payment has no reversal ${input.reversalId}.` }
  }
  if (reversal.status !== ReversalStatus.Sent) {
    return { settled: false, refusal: "not_uncertain", detail: `This reversal is already settled: ${reversal.status}.` }
  }
  if (reversal.full_reversal) {
    return {
      settled: false,
      refusal: "full_reversal",
      detail: "Click's payment status settles a full reversal by itself (reversed, or still paid): nothing to settle by hand.",
    }
  }
  const from = settlesAfter(reversal)
  if (Date.now() < from.getTime()) {
    return {
      settled: false,
      refusal: "too_early",
      detail: `Click may still be processing this reversal: it can be settled by hand from ${from.toISOString()}.`,
    }
  }
  const detail =
    `partial reversal of ${reversal.amount_tiyin} tiyin sent at ${new Date(reversal.sent_at).toISOString()}: ` +
    `${input.outcome === ReversalStatus.Done ? "Click reversed it" : "Click did not reverse it"}, ` +
    `on the word of ${input.settledBy} after checking Click's merchant cabinet: ${input.note}`
  const { rows } = await db.raw(
    `WITH settled AS (
       UPDATE click_reversal SET status = ?, settled_at = now(), settled_by = ?, settled_note = ?, updated_at = now()
        WHERE id = ? AND transaction_id = ? AND status = ? AND NOT full_reversal
    RETURNING transaction_id
     ), audit AS (
       INSERT INTO click_payment_event (id, transaction_id, from_state, to_state, reason, detail)
       SELECT ?, t.id, t.state, t.state, 'reversal_settled_by_admin', ? FROM settled JOIN click_transaction t ON t.id = settled.transaction_id
     )
     SELECT transaction_id FROM settled`,
    [
      input.outcome,
      input.settledBy.slice(0, 255),
      storedText(input.note),
      reversal.id,
      input.transactionId,
      ReversalStatus.Sent,
      generateEntityId(undefined, "clickev"),
      storedText(detail),
    ]
  )
  if (!rows.length) {
    return { settled: false, refusal: "not_uncertain", detail: "This reversal was settled meanwhile: reload the payment." }
  }
  const settled = (await reversalsOf(db, input.transactionId)).find((row) => row.id === input.reversalId)!
  return { settled: true, reversal: settled }
}

async function isReversedAtClick(api: MerchantApi, paydocId: string): Promise<boolean> {
  try {
    return (await api.paymentStatus(paydocId)).paymentStatus < 0
  } catch {
    return false
  }
}

/** From when Click's status may settle an uncertain reversal, and a person may settle a partial one (CLICK_REVERSAL_SETTLE_AFTER_SEC after it was sent). */
export function settlesAfter(row: Pick<ReversalRow, "sent_at">): Date {
  return new Date(new Date(row.sent_at).getTime() + paymentPolicy().reversalSettleAfterSec * 1000)
}

function uncertain(row: ReversalRow): ReversalAttempt {
  const at = settlesAfter(row)
  return {
    outcome: "uncertain",
    detail:
      `a reversal of ${row.amount_tiyin} tiyin sent at ${new Date(row.sent_at).toISOString()} has no answer from Click` +
      (row.click_answer ? ` (${row.click_answer})` : "") +
      (row.full_reversal
        ? `; Click's payment status settles it from ${at.toISOString()}`
        : `; Click's payment status cannot tell whether a partial reversal happened: from ${at.toISOString()} a person who checked Click's merchant cabinet settles it (Click payments page, Settle)`),
    settlesAfter: at,
  }
}

async function settle(db: ReversalDatabase, id: string, status: ReversalRow["status"], answer: string, errorCode: number | null = null) {
  await db.raw(
    `UPDATE click_reversal SET status = ?, click_answer = ?, click_error_code = ?, settled_at = now(), updated_at = now()
      WHERE id = ? AND status = ?`,
    [status, storedText(answer), errorCode, id, ReversalStatus.Sent]
  )
}

/** Click reports the payment reversed, and no row of ours says so: a done row, so that the sum stays true. */
async function recordReversedAtClick(db: ReversalDatabase, target: ReversalTarget, amountTiyin: bigint, requestedBy: string, answer: string) {
  if (amountTiyin <= 0n) return
  await db.raw(
    `INSERT INTO click_reversal (id, transaction_id, service_id, paydoc_id, amount_tiyin, full_reversal, status, requested_by,
                                 click_answer, settled_at)
     VALUES (?, ?, ?, ?, ?::bigint, true, ?, ?, ?, now())`,
    [generateEntityId(undefined, "clickrv"), target.transactionId, target.serviceId, target.paydocId, amountTiyin.toString(),
      ReversalStatus.Done, requestedBy, `found reversed at Click: ${answer}`]
  )
}

/** The Click payment behind a placed order's Medusa payment (its `click_placed` mark names it), or null when there is none. */
export async function clickPaymentOfPlaced(db: ReversalDatabase, merchantPrepareId: number): Promise<ReversiblePayment | null> {
  const { rows } = await db.raw(
    `SELECT id, state, service_id, click_paydoc_id, amount_tiyin::text AS amount_tiyin FROM click_transaction
      WHERE merchant_prepare_id = ? AND deleted_at IS NULL`,
    [merchantPrepareId]
  )
  return (rows[0] as ReversiblePayment | undefined) ?? null
}
