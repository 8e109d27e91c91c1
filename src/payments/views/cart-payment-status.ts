import type { MedusaContainer } from "@medusajs/framework/types"
import { clickLogger } from "../../lib/logger"
import { ClickPaymentState, DebitVia, holdsCart, PAYING_STATES, type ClickPaymentStateValue } from "../../modules/click"
import type { ClickCartPayment, ClickCartStatus } from "../../storefront"
import { clickModule, type ClickTransactionRecord } from "../click-transactions"
import { cartCompletion } from "../medusa-tables"
import { placeClickOrderInBackground } from "../placement/place-order"
import { paymentPolicy } from "../policy"
import { cartInvoice } from "./click-invoices"

/** The status route's answer: the shape the storefront helper reads (src/storefront). */
export type CartPaymentStatus = ClickCartStatus
export type CartPaymentState = ClickCartPayment

/** What this cart's Click attempts mean, decided in one place for every caller. */
export interface CartClickPayment {
  /** The attempt that pays for the cart (`confirmed` or `placed`); at most one exists. */
  paying: ClickTransactionRecord | undefined
  /** An attempt during which the cart may not change (holdsCart, payment-state.ts). */
  holding: ClickTransactionRecord | undefined
  /** A debit waiting to become the order or a reversal (queued-debits.ts). */
  queued: ClickTransactionRecord | undefined
  /** The newest attempt, whatever its state. */
  latest: ClickTransactionRecord | undefined
}

export async function cartClickPayment(
  container: MedusaContainer,
  cartId: string,
  now: Date = new Date()
): Promise<CartClickPayment> {
  const attempts = await clickModule(container).listClickTransactions(
    { merchant_trans_id: cartId },
    { order: { created_at: "DESC" } }
  )
  const preparedHoldSec = paymentPolicy().preparedHoldSec
  const paying = attempts.find((t) => PAYING_STATES.includes(t.state as ClickPaymentStateValue))
  const holding = attempts.find((t) => holdsCart(t, now, preparedHoldSec))
  const queued = attempts.find((t) => t.state === ClickPaymentState.Queued)
  return { paying, holding, queued, latest: attempts[0] }
}

const STATUS_OF_LATEST: Partial<Record<ClickPaymentStateValue, CartPaymentStatus>> = {
  [ClickPaymentState.Prepared]: "processing",
  [ClickPaymentState.Cancelled]: "cancelled",
  // Click says the money was not taken: the cart is payable again.
  [ClickPaymentState.Contradicted]: "cancelled",
  [ClickPaymentState.RefundRequired]: "refund_pending",
  [ClickPaymentState.ReversalFailed]: "refund_pending",
  [ClickPaymentState.Reversed]: "refunded",
}

/**
 * What a storefront's return page shows. The browser's return from Click
 * proves nothing; this reads what Click's callbacks recorded.
 */
export async function cartPaymentState(
  container: MedusaContainer,
  cartId: string
): Promise<CartPaymentState | null> {
  const [cart, { paying, queued, latest }, invoice] = await Promise.all([
    cartCompletion(container, cartId),
    cartClickPayment(container, cartId),
    cartInvoice(container, cartId, clickLogger),
  ])
  if (!cart.exists) {
    return null
  }
  if (paying || queued) {
    // Only `placed` is paid: Medusa writes the order before it authorizes the
    // payment, and rolls the order back if that fails.
    // A debit still queued is not yet the order nor a refund: processing.
    if (paying?.state === ClickPaymentState.Placed) {
      return { cart_id: cartId, status: "paid", order_id: paying.order_id, order_display_id: cart.orderDisplayId, invoice }
    }
    if (paying?.state === ClickPaymentState.Confirmed && paying.debit_via === DebitVia.CardToken) {
      // The shopper waits at checkout while Click processes a saved-card debit: each look asks
      // Click again once its wait is over (placement claims only due work, one process at a time).
      placeClickOrderInBackground(container, paying.id, clickLogger)
    }
    return { cart_id: cartId, status: "processing", order_id: null, order_display_id: null, invoice }
  }
  const status = latest ? STATUS_OF_LATEST[latest.state as ClickPaymentStateValue] ?? "processing" : "awaiting_payment"
  return { cart_id: cartId, status, order_id: null, order_display_id: null, invoice }
}
