/**
 * The admin's one list of a Click payment's states, with how each is shown.
 * The admin bundle runs in the browser and imports nothing of the backend's,
 * so this file is self-contained; `tests/unit/admin/click-states.test.ts`
 * fails when it drifts from the module's states (`ClickPaymentState`), the
 * admin API's needs-attention filter or what Retry acts on.
 */
/** Every state, in the order the state filter lists them. */
export const CLICK_STATES = [
  "prepared",
  "confirmed",
  "placed",
  "cancelled",
  "refund_required",
  "reversed",
  "reversal_failed",
  "contradicted",
  "duplicate",
  "queued",
  "refunded_outside_click",
] as const

export type ClickState = (typeof CLICK_STATES)[number]

export const CLICK_STATE_COLOR: Record<ClickState, "green" | "red" | "blue" | "orange" | "grey" | "purple"> = {
  prepared: "grey",
  confirmed: "orange",
  placed: "green",
  cancelled: "grey",
  refund_required: "orange",
  reversed: "purple",
  reversal_failed: "red",
  // A Complete that Click's Merchant API says was never paid.
  contradicted: "red",
  duplicate: "grey",
  // Waits on another attempt of the same cart.
  queued: "blue",
  refunded_outside_click: "purple",
}

/** States a person must look at; the list shows them first (the admin API's `needs_attention=true`). */
export const NEEDS_ATTENTION: readonly ClickState[] = ["contradicted", "reversal_failed", "refund_required", "confirmed"]

/** States the Retry button acts on (POST /admin/click/transactions/:id/retry). */
export const RETRYABLE: readonly ClickState[] = ["confirmed", "refund_required", "reversal_failed"]

export function isClickState(state: string): state is ClickState {
  return CLICK_STATES.some((known) => known === state)
}
