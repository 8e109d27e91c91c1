import type { ClickPaymentStateValue, DebitViaValue, FiscalReceiptStatusValue, RefundReasonValue } from "./payment-state"

/** What Prepare knows of a new attempt (`amount_tiyin`: the exact integer as a decimal string). */
export interface NewPreparedTransaction {
  click_trans_id: string
  click_paydoc_id: string | null
  service_id: string
  merchant_trans_id: string
  payment_session_id: string
  amount: string
  amount_tiyin: string
  sign_time: string
  /** Default: Click's callbacks. */
  debit_via?: DebitViaValue
}

/** What a Complete decides on (`amount_tiyin`: the exact integer as a decimal string). */
export interface AttemptOfComplete {
  id: string
  state: ClickPaymentStateValue
  merchant_trans_id: string
  service_id: string | null
  merchant_prepare_id: number
  amount_tiyin: string
}

export interface NewCallbackRecord {
  endpoint: "prepare" | "complete"
  click_trans_id: string | null
  merchant_trans_id: string | null
  fields: Record<string, unknown>
  signature_valid: boolean | null
  error: number
  reason: string | null
  response: Record<string, unknown>
  duration_ms: number
  remote_address: string | null
}

/** Columns a transition may set besides `state` (and the timestamp of the state it enters). */
export interface TransitionFields {
  order_id?: string
  refund_reason?: RefundReasonValue
  last_error?: string | null
  complete_click_trans_id?: string
  click_error?: string
  /** Entering `placed` with fiscal receipts on: `pending`. */
  fiscal_status?: FiscalReceiptStatusValue
  /** Leaving `prepared` after a saved-card debit: Click's payment_id from card_token/payment's answer. */
  click_paydoc_id?: string
  /** Entering `confirmed`: the stamp of what confirmed it. */
  confirmation_token?: string
  /** Entering `contradicted`, or `cancelled` from `confirmed`: Click's payment_status (null: Click knows no such payment). */
  verified_payment_status?: number | null
  /** Entering `contradicted`, or `cancelled` from `confirmed`: Click's answer as received. */
  verification_answer?: string
}

export interface TransitionInput {
  id: string
  from: ClickPaymentStateValue
  to: ClickPaymentStateValue
  /** Why, for the audit trail: a short code such as `complete`, `order_placed`, `stock`. */
  reason: string
  detail?: string | null
  set?: TransitionFields
  /**
   * A decision made under a work claim (ClickWorkQueueService.claimWork)
   * applies only while that claim is the newest: a process that stalled past
   * its lease, while another took the payment over, cannot decide it any more.
   */
  claim?: Pick<WorkClaim, "attempt">
}

export interface MovedPayment {
  id: string
  state: ClickPaymentStateValue
  merchant_trans_id: string
  merchant_prepare_id: number
  order_id: string | null
}

/** Work in progress on a payment; `attempt` fences its later writes against a newer claim. */
export interface WorkClaim {
  id: string
  state: ClickPaymentStateValue
  merchant_trans_id: string
  attempt: number
}

/** Work on a placed payment's fiscal receipt; `attempt` fences its outcome against a newer claim. */
export interface FiscalClaim {
  id: string
  attempt: number
}

export interface FiscalOutcome {
  status: FiscalReceiptStatusValue
  qrUrl?: string | null
  error?: string | null
  /** Still pending: the next attempt is due in this many seconds. */
  retryInSec?: number
}

/** Reconciliation's streak on a `prepared` payment (src/click/reconciliation.ts). */
export interface StoredReconcileStreak {
  noCount: number
  noSince: Date | null
  inProgressSince: Date | null
}

/** An open alert about the backend's own configuration (click_alert). */
export interface OpenAlert {
  id: string
  key: string
  service_id: string | null
  message: string
  occurrences: number
  opened_at: Date
  last_seen_at: Date
}

/** How long a placement after Click's answer waits, and how many run at once (policy.ts: placementYieldMs, placementConcurrency). */
export interface PlacementBounds {
  /** At most this long a placement waits for the callbacks in flight; 0: no wait. */
  yieldMs: number
  /** Placements after Click's answer running at once; 0: no limit. */
  concurrency: number
}

/** An invoice Click created for a cart (pay by phone); `amount_tiyin` as a decimal string. */
export interface NewClickInvoice {
  invoice_id: string
  service_id: string
  merchant_trans_id: string
  payment_session_id: string
  amount_tiyin: string
  /** Only the last four digits are kept. */
  masked_phone: string
  /** Click's invoice_status when last asked (created: 0). */
  invoice_status: number
}

export interface ClickInvoiceRecord extends NewClickInvoice {
  id: string
  invoice_status: number
  invoice_status_note: string | null
  status_checked_at: Date | null
  created_at: Date
}
