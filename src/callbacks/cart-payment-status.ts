import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { ClickTransactionState } from "../modules/click"
import { clickModule } from "./click-transactions"

export type CartPaymentStatus = "awaiting_payment" | "processing" | "paid" | "cancelled"

export interface CartPaymentState {
  cart_id: string
  status: CartPaymentStatus
  order_id: string | null
}

/**
 * What a storefront's return page shows. The browser's return from Click
 * proves nothing; this reads what Click's callbacks recorded.
 */
export async function cartPaymentState(
  container: MedusaContainer,
  cartId: string
): Promise<CartPaymentState | null> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const [{ data: carts }, attempts] = await Promise.all([
    query.graph({ entity: "cart", fields: ["id", "completed_at"], filters: { id: cartId } }),
    clickModule(container).listClickTransactions(
      { merchant_trans_id: cartId },
      { order: { created_at: "DESC" } }
    ),
  ])
  if (!carts[0]) {
    return null
  }
  const confirmed = attempts.find((t) => t.state === ClickTransactionState.Confirmed)
  if (confirmed) {
    const orderId = confirmed.order_id ?? (await orderOfCart(container, cartId))
    return { cart_id: cartId, status: orderId ? "paid" : "processing", order_id: orderId }
  }
  const latest = attempts[0]
  const status: CartPaymentStatus = !latest
    ? "awaiting_payment"
    : latest.state === ClickTransactionState.Cancelled
      ? "cancelled"
      : "processing"
  return { cart_id: cartId, status, order_id: null }
}

async function orderOfCart(container: MedusaContainer, cartId: string): Promise<string | null> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "order_cart",
    fields: ["order_id"],
    filters: { cart_id: cartId },
  })
  return (data[0] as { order_id?: string } | undefined)?.order_id ?? null
}

/** The cart's confirmed Click payment, once a verified Complete confirmed it. */
export async function confirmedClickTransaction(container: MedusaContainer, cartId: string) {
  const [confirmed] = await clickModule(container).listClickTransactions(
    { merchant_trans_id: cartId, state: ClickTransactionState.Confirmed },
    { take: 1, select: ["id"] }
  )
  return confirmed
}
