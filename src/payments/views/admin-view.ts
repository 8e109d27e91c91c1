import type { MedusaContainer } from "@medusajs/framework/types"
import { MedusaError } from "@medusajs/framework/utils"
import { formatTiyinAsSoums } from "../../click"
import { ClickPaymentState, type ClickPaymentStateValue } from "../../modules/click"
import { clickModule } from "../click-transactions"
import { reversalDatabase, settlesAfter } from "../money-back/click-reversals"

/** Columns an operator reads; never the session data, the stamp or anything signed. */
export const TRANSACTION_FIELDS = [
  "id",
  "merchant_prepare_id",
  "click_trans_id",
  "complete_click_trans_id",
  "click_paydoc_id",
  "service_id",
  "debit_via",
  "merchant_trans_id",
  "amount",
  "state",
  "refund_reason",
  "order_id",
  "last_error",
  "attempts",
  "next_attempt_at",
  "leased_until",
  "created_at",
  "updated_at",
  "confirmed_at",
  "placed_at",
  "cancelled_at",
  "verified_payment_status",
  "verification_answer",
  "verified_at",
  "verification_waits",
  "reconcile_no_count",
  "reconcile_no_since",
  "reconcile_in_progress_since",
  "reconcile_stalled_at",
  "fiscal_status",
  "fiscal_qr_url",
  "fiscal_error",
] as const

const CALLBACK_FIELDS = [
  "id",
  "endpoint",
  "click_trans_id",
  "fields",
  "signature_valid",
  "error",
  "reason",
  "response",
  "duration_ms",
  "remote_address",
  "created_at",
] as const

const EVENT_FIELDS = ["id", "transaction_id", "from_state", "to_state", "reason", "detail", "created_at"] as const

/**
 * States a person must look at: money Click took that is not (yet) an order
 * or has to go back, and Completes that Click's Merchant API contradicts
 * (`contradicted`). A `confirmed` payment is normally placed within moments.
 */
export const NEEDS_ATTENTION_STATES: readonly ClickPaymentStateValue[] = [
  ClickPaymentState.Contradicted,
  ClickPaymentState.ReversalFailed,
  ClickPaymentState.RefundRequired,
  ClickPaymentState.Confirmed,
]

/** Besides those states: a `prepared` payment Click kept reporting in progress past the horizon (no longer asked). */
const STALLED_RECONCILIATION = { state: ClickPaymentState.Prepared, reconcile_stalled_at: { $ne: null } }

export interface TransactionListFilters {
  state?: ClickPaymentStateValue[]
  needs_attention?: boolean
  merchant_trans_id?: string
  order_id?: string
  /** One Click service's payments (several services in one backend). */
  service_id?: string
  q?: string
  created_at?: { gte?: Date; lte?: Date }
}

function moduleFilters(filters: TransactionListFilters): Record<string, unknown> {
  const where: Record<string, unknown>[] = []
  if (filters.state?.length) where.push({ state: filters.state })
  if (filters.needs_attention) where.push({ $or: [{ state: [...NEEDS_ATTENTION_STATES] }, STALLED_RECONCILIATION] })
  if (filters.merchant_trans_id) where.push({ merchant_trans_id: filters.merchant_trans_id })
  if (filters.order_id) where.push({ order_id: filters.order_id })
  if (filters.service_id) where.push({ service_id: filters.service_id })
  if (filters.created_at?.gte) where.push({ created_at: { $gte: filters.created_at.gte } })
  if (filters.created_at?.lte) where.push({ created_at: { $lte: filters.created_at.lte } })
  if (filters.q) where.push({ $or: searchTerms(filters.q) })
  return where.length ? { $and: where } : {}
}

/**
 * `q`: Click's ids are numbers an operator pastes whole from Click's cabinet,
 * so digits match them exactly (a partial number would match almost every
 * row); anything else is part of a cart or order id.
 */
function searchTerms(q: string): Record<string, unknown>[] {
  if (/^\d{1,20}$/.test(q)) {
    const terms: Record<string, unknown>[] = [{ click_trans_id: q }, { click_paydoc_id: q }]
    if (Number.isSafeInteger(Number(q))) terms.push({ merchant_prepare_id: Number(q) })
    return terms
  }
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
  return [{ merchant_trans_id: { $ilike: like } }, { order_id: { $ilike: like } }]
}

/** Click's callbacks for these attempts and their state changes, attached to each. */
async function withHistory<T extends { id: string; click_trans_id: string; complete_click_trans_id?: string | null }>(
  container: MedusaContainer,
  transactions: T[]
) {
  if (!transactions.length) return []
  const payments = clickModule(container)
  const clickTransIds = [
    ...new Set(transactions.flatMap((t) => [t.click_trans_id, t.complete_click_trans_id].filter(Boolean) as string[])),
  ]
  const [callbacks, events] = await Promise.all([
    payments.listClickCallbacks(
      { click_trans_id: clickTransIds },
      { select: [...CALLBACK_FIELDS], order: { created_at: "ASC" } }
    ),
    payments.listClickPaymentEvents(
      { transaction_id: transactions.map((t) => t.id) },
      { select: [...EVENT_FIELDS], order: { created_at: "ASC" } }
    ),
  ])
  const { rows } = await reversalDatabase(container).raw(
    `SELECT id, transaction_id, amount_tiyin::text AS amount_tiyin, full_reversal, status, requested_by, click_error_code,
            click_answer, sent_at, settled_at, settled_by, settled_note
       FROM click_reversal WHERE transaction_id = ANY(?) ORDER BY sent_at, id`,
    [transactions.map((t) => t.id)]
  )
  // An uncertain partial reversal may be settled by a person from settle_after on; `amount` is in soums, as the admin shows it.
  const reversals = (rows as Array<{ transaction_id: string; sent_at: Date; amount_tiyin: string }>).map((r) => ({
    ...r,
    amount: formatTiyinAsSoums(BigInt(r.amount_tiyin)),
    settle_after: settlesAfter(r),
  }))
  return transactions.map((transaction) => ({
    ...transaction,
    /** Every reversal sent for it (click-reversals.ts): Click's answer, or none yet (`sent`). */
    reversals: reversals.filter((r) => r.transaction_id === transaction.id),
    callbacks: callbacks.filter(
      (c) => c.click_trans_id === transaction.click_trans_id || c.click_trans_id === transaction.complete_click_trans_id
    ),
    events: events.filter((e) => e.transaction_id === transaction.id),
  }))
}

export async function listTransactionsForAdmin(
  container: MedusaContainer,
  filters: TransactionListFilters,
  page: { offset: number; limit: number }
) {
  const [transactions, count] = await clickModule(container).listAndCountClickTransactions(moduleFilters(filters), {
    skip: page.offset,
    take: page.limit,
    order: { created_at: "DESC" },
    select: [...TRANSACTION_FIELDS],
  })
  return { transactions: await withHistory(container, transactions), count }
}

/** Open alerts about the backend's own configuration (for example Click refusing our credentials). */
export async function openAlertsForAdmin(container: MedusaContainer) {
  return clickModule(container).alerts.listOpenAlerts()
}

export async function transactionForAdmin(container: MedusaContainer, id: string) {
  const [transaction] = await clickModule(container).listClickTransactions({ id }, { select: [...TRANSACTION_FIELDS] })
  if (!transaction) {
    throw new MedusaError(MedusaError.Types.NOT_FOUND, `Click transaction ${id} was not found.`)
  }
  const [detailed] = await withHistory(container, [transaction])
  return detailed
}
