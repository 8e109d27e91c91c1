import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { decimalToTiyin } from "../click"
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

/**
 * Everything Prepare needs about a cart, in one SQL statement. This is the
 * callback's hot path: through Medusa's query graph it took seven SELECTs and
 * ORM hydration, most of Prepare's time. It reads Medusa 2.21's tables
 * directly (cart, its line items and shipping methods, the cart↔payment
 * collection link, payment sessions); the integration tests pin that schema.
 * Amounts come from `raw_amount`, Medusa's exact decimal strings.
 */
const CLICK_CART_SQL = `
SELECT c.id,
       c.completed_at,
       EXISTS (SELECT 1 FROM cart_line_item li WHERE li.cart_id = c.id AND li.deleted_at IS NULL) AS has_items,
       EXISTS (SELECT 1 FROM cart_shipping_method sm WHERE sm.cart_id = c.id AND sm.deleted_at IS NULL) AS has_shipping,
       pc.raw_amount ->> 'value' AS collection_amount,
       ps.id AS session_id,
       ps.raw_amount ->> 'value' AS session_amount,
       ps.data AS session_data
  FROM cart c
  LEFT JOIN cart_payment_collection cpc ON cpc.cart_id = c.id AND cpc.deleted_at IS NULL
  LEFT JOIN payment_collection pc ON pc.id = cpc.payment_collection_id AND pc.deleted_at IS NULL
  LEFT JOIN payment_session ps ON ps.payment_collection_id = pc.id
       AND ps.provider_id = ? AND ps.deleted_at IS NULL
 WHERE c.id = ? AND c.deleted_at IS NULL
 ORDER BY ps.created_at DESC NULLS LAST
 LIMIT 1`

interface ClickCartRow {
  id: string
  completed_at: Date | null
  has_items: boolean
  has_shipping: boolean
  collection_amount: string | null
  session_id: string | null
  session_amount: string | null
  session_data: ClickSessionData | null
}

export async function loadClickCart(
  container: MedusaContainer,
  cartId: string
): Promise<ClickCart | null> {
  const knex = container.resolve(ContainerRegistrationKeys.PG_CONNECTION)
  const { rows } = await knex.raw(CLICK_CART_SQL, [CLICK_PROVIDER_ID, cartId])
  const cart = rows[0] as ClickCartRow | undefined
  if (!cart) {
    return null
  }
  const session =
    cart.session_id && cart.session_amount
      ? {
          id: cart.session_id,
          amountTiyin: decimalToTiyin(cart.session_amount),
          // Medusa replaces sessions when the cart total changes; a session whose
          // amount no longer equals the collection's is stale.
          isCurrent:
            cart.collection_amount !== null &&
            decimalToTiyin(cart.session_amount) === decimalToTiyin(cart.collection_amount),
          data: cart.session_data as ClickSessionData,
        }
      : null
  return {
    id: cart.id,
    completedAt: cart.completed_at,
    hasItems: cart.has_items,
    hasShipping: cart.has_shipping,
    session,
  }
}
