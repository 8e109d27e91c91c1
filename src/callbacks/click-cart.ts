import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { MedusaContainer } from "@medusajs/framework/types"
import { medusaAmountToTiyin } from "../lib/medusa-amount"
import type { ClickSessionData } from "../providers/click/session-data"
import { CLICK_PROVIDER_ID } from "./constants"

export interface ClickCart {
  id: string
  completedAt: Date | null
  hasItems: boolean
  hasShipping: boolean
  /** The cart's live Click session, if any: the one a payment must match. */
  session: {
    id: string
    amountTiyin: bigint
    isCurrent: boolean
    data: ClickSessionData
  } | null
}

/** Loads what the callbacks need to know about a cart, in one query. */
export async function loadClickCart(
  container: MedusaContainer,
  cartId: string
): Promise<ClickCart | null> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "cart",
    fields: [
      "id",
      "completed_at",
      "items.id",
      "shipping_methods.id",
      "payment_collection.amount",
      "payment_collection.payment_sessions.id",
      "payment_collection.payment_sessions.provider_id",
      "payment_collection.payment_sessions.amount",
      "payment_collection.payment_sessions.data",
    ],
    filters: { id: cartId },
  })
  const cart = data[0] as any
  if (!cart) {
    return null
  }
  const collection = cart.payment_collection
  const session = (collection?.payment_sessions ?? []).find(
    (candidate: any) => candidate?.provider_id === CLICK_PROVIDER_ID
  )
  return {
    id: cart.id,
    completedAt: cart.completed_at ?? null,
    hasItems: (cart.items ?? []).length > 0,
    hasShipping: (cart.shipping_methods ?? []).length > 0,
    session: session
      ? {
          id: session.id,
          amountTiyin: medusaAmountToTiyin(session.amount),
          // Medusa replaces sessions when the cart total changes; a session whose
          // amount no longer equals the collection's is stale.
          isCurrent: medusaAmountToTiyin(session.amount) === medusaAmountToTiyin(collection.amount),
          data: session.data as ClickSessionData,
        }
      : null,
  }
}
