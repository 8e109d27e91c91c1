import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import { medusaAmountToTiyin } from "../lib/medusa-amount"
import { CLICK_PROVIDER_SQL } from "../providers/click/ids"

/**
 * Every raw SQL statement this plugin runs against Medusa 2.21's own tables,
 * in one place: the callback hot path reads them directly instead of through
 * the query graph (seven SELECTs and ORM hydration for one cart). The
 * integration tests run against the real schema, so an upgrade that renames
 * one of these tables or columns fails them.
 */
function knex(container: MedusaContainer) {
  return container.resolve(ContainerRegistrationKeys.PG_CONNECTION)
}

export interface ClickCart {
  id: string
  completedAt: Date | null
  hasItems: boolean
  hasShipping: boolean
  /** A line needs more stock than the sales channel's locations have. */
  outOfStock: boolean
  /** A shipping method whose shipping option was deleted. */
  shippingGone: boolean
  /** The cart's live Click session (of any Click service), if any: the one a payment must match. */
  session: {
    id: string
    amountTiyin: bigint
    isCurrent: boolean
    /** The Click service the session pays with (its provider wrote it); null in a session older than service ids. */
    serviceId: string | null
  } | null
}

/**
 * Everything Prepare needs about a cart, in one statement. Stock follows
 * Medusa's own rule at completion: for each managed, non-backorder variant,
 * what its stock locations in the cart's sales channel still have (stocked
 * minus reserved) must cover required quantity × line quantity. Amounts and
 * quantities come from their `raw_` columns, Medusa's exact decimal strings.
 */
const CLICK_CART_SQL = `
SELECT c.id,
       c.completed_at,
       EXISTS (SELECT 1 FROM cart_line_item li WHERE li.cart_id = c.id AND li.deleted_at IS NULL) AS has_items,
       EXISTS (SELECT 1 FROM cart_shipping_method sm WHERE sm.cart_id = c.id AND sm.deleted_at IS NULL) AS has_shipping,
       EXISTS (
         SELECT 1 FROM cart_line_item li
           JOIN product_variant pv ON pv.id = li.variant_id AND pv.manage_inventory AND NOT pv.allow_backorder
           JOIN product_variant_inventory_item pvi ON pvi.variant_id = pv.id AND pvi.deleted_at IS NULL
          WHERE li.cart_id = c.id AND li.deleted_at IS NULL
            AND COALESCE((
                  SELECT sum(COALESCE((il.raw_stocked_quantity ->> 'value')::numeric, il.stocked_quantity)
                           - COALESCE((il.raw_reserved_quantity ->> 'value')::numeric, il.reserved_quantity))
                    FROM inventory_level il
                    JOIN sales_channel_stock_location scl ON scl.stock_location_id = il.location_id
                         AND scl.sales_channel_id = c.sales_channel_id AND scl.deleted_at IS NULL
                   WHERE il.inventory_item_id = pvi.inventory_item_id AND il.deleted_at IS NULL), 0)
                < pvi.required_quantity * li.quantity
       ) AS out_of_stock,
       EXISTS (
         SELECT 1 FROM cart_shipping_method sm
           LEFT JOIN shipping_option so ON so.id = sm.shipping_option_id AND so.deleted_at IS NULL
          WHERE sm.cart_id = c.id AND sm.deleted_at IS NULL AND so.id IS NULL
       ) AS shipping_gone,
       pc.raw_amount ->> 'value' AS collection_amount,
       ps.id AS session_id,
       ps.raw_amount ->> 'value' AS session_amount,
       ps.data ->> 'service_id' AS session_service_id
  FROM cart c
  LEFT JOIN cart_payment_collection cpc ON cpc.cart_id = c.id AND cpc.deleted_at IS NULL
  LEFT JOIN payment_collection pc ON pc.id = cpc.payment_collection_id AND pc.deleted_at IS NULL
  LEFT JOIN payment_session ps ON ps.payment_collection_id = pc.id
       AND ${CLICK_PROVIDER_SQL("ps.provider_id")} AND ps.deleted_at IS NULL
 WHERE c.id = ? AND c.deleted_at IS NULL
 ORDER BY ps.created_at DESC NULLS LAST
 LIMIT 1`

interface ClickCartRow {
  id: string
  completed_at: Date | null
  has_items: boolean
  has_shipping: boolean
  out_of_stock: boolean
  shipping_gone: boolean
  collection_amount: string | null
  session_id: string | null
  session_amount: string | null
  session_service_id: string | null
}

export async function loadClickCart(
  container: MedusaContainer,
  cartId: string
): Promise<ClickCart | null> {
  const { rows } = await knex(container).raw(CLICK_CART_SQL, [cartId])
  const cart = rows[0] as ClickCartRow | undefined
  if (!cart) {
    return null
  }
  const session =
    cart.session_id && cart.session_amount
      ? {
          id: cart.session_id,
          amountTiyin: medusaAmountToTiyin(cart.session_amount),
          // Medusa replaces sessions when the cart total changes; a session whose
          // amount no longer equals the collection's is stale.
          isCurrent:
            cart.collection_amount !== null &&
            medusaAmountToTiyin(cart.session_amount) === medusaAmountToTiyin(cart.collection_amount),
          serviceId: cart.session_service_id,
        }
      : null
  return {
    id: cart.id,
    completedAt: cart.completed_at,
    hasItems: cart.has_items,
    hasShipping: cart.has_shipping,
    outOfStock: cart.out_of_stock,
    shippingGone: cart.shipping_gone,
    session,
  }
}

/** The cart a payment collection belongs to. */
export async function cartOfPaymentCollection(
  container: MedusaContainer,
  paymentCollectionId: string
): Promise<string | null> {
  const { rows } = await knex(container).raw(
    `SELECT cart_id FROM cart_payment_collection WHERE payment_collection_id = ? AND deleted_at IS NULL LIMIT 1`,
    [paymentCollectionId]
  )
  return rows[0]?.cart_id ?? null
}

export interface CartCompletion {
  exists: boolean
  completed: boolean
  orderId: string | null
  /** The number a shopper sees for that order ("Order #12"). */
  orderDisplayId: number | null
  /**
   * Medusa recorded a payment of another provider in the cart's payment
   * collection. No payment at all is not "another provider": a completion
   * that died after writing the order and before authorizing leaves that.
   */
  paidByAnotherProvider: boolean
}

/** Whether the cart exists, is completed, which order it became and with what provider. */
export async function cartCompletion(container: MedusaContainer, cartId: string): Promise<CartCompletion> {
  const { rows } = await knex(container).raw(
    `SELECT c.completed_at IS NOT NULL AS completed,
            oc.order_id,
            o.display_id AS order_display_id,
            EXISTS (SELECT 1 FROM cart_payment_collection cpc
                      JOIN payment p ON p.payment_collection_id = cpc.payment_collection_id
                           AND NOT ${CLICK_PROVIDER_SQL("p.provider_id")} AND p.deleted_at IS NULL
                     WHERE cpc.cart_id = c.id AND cpc.deleted_at IS NULL) AS paid_by_another_provider
       FROM cart c
       LEFT JOIN order_cart oc ON oc.cart_id = c.id AND oc.deleted_at IS NULL
       LEFT JOIN "order" o ON o.id = oc.order_id
      WHERE c.id = ? AND c.deleted_at IS NULL
      LIMIT 1`,
    [cartId]
  )
  const row = rows[0] as
    | { completed: boolean; order_id: string | null; order_display_id: number | null; paid_by_another_provider: boolean }
    | undefined
  return {
    exists: !!row,
    completed: !!row?.completed,
    orderId: row?.order_id ?? null,
    orderDisplayId: row?.order_display_id ?? null,
    paidByAnotherProvider: !!row?.paid_by_another_provider,
  }
}

/**
 * Live orders that a failed completion of the cart wrote and its compensation
 * did not delete: Medusa dismissed (soft-deleted) their links to the cart, so
 * cartCompletion no longer sees them, but the order rows stayed.
 */
export async function ordersOfFailedCompletions(container: MedusaContainer, cartId: string): Promise<string[]> {
  const { rows } = await knex(container).raw(
    `SELECT DISTINCT o.id
       FROM order_cart oc
       JOIN "order" o ON o.id = oc.order_id AND o.deleted_at IS NULL
      WHERE oc.cart_id = ? AND oc.deleted_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM order_cart live WHERE live.order_id = o.id AND live.deleted_at IS NULL)`,
    [cartId]
  )
  return (rows as Array<{ id: string }>).map((row) => row.id)
}

/** What a live payment session stores in `data` (for Click: what the provider wrote), or null when it is gone. */
export async function paymentSessionData(container: MedusaContainer, sessionId: string): Promise<unknown> {
  const { rows } = await knex(container).raw(
    `SELECT data FROM payment_session WHERE id = ? AND deleted_at IS NULL LIMIT 1`,
    [sessionId]
  )
  return (rows[0] as { data: unknown } | undefined)?.data ?? null
}

/**
 * What the cart owes now (its payment collection's amount, in tiyin), or null
 * when the cart or its collection is gone.
 */
export async function cartAmountDueTiyin(container: MedusaContainer, cartId: string): Promise<bigint | null> {
  const { rows } = await knex(container).raw(
    `SELECT pc.raw_amount ->> 'value' AS amount
       FROM cart c
       JOIN cart_payment_collection cpc ON cpc.cart_id = c.id AND cpc.deleted_at IS NULL
       JOIN payment_collection pc ON pc.id = cpc.payment_collection_id AND pc.deleted_at IS NULL
      WHERE c.id = ? AND c.deleted_at IS NULL
      LIMIT 1`,
    [cartId]
  )
  const amount = (rows[0] as { amount: string | null } | undefined)?.amount
  return amount ? medusaAmountToTiyin(amount) : null
}

/** Whether Medusa's Postgres locking table exists, asked once per database connection (a container's PG_CONNECTION). */
const lockingTableExists = new WeakMap<object, Promise<boolean>>()

/**
 * Deletes the owner-less row Medusa's Postgres locking left for a bare cart id.
 * `completeCartWorkflow` inserts it at its start and deletes it at its end; a
 * process that dies in between leaves it, and locking-postgres then refuses
 * the key for ever, whatever its expiration says. Callers decide when a row
 * can belong to no live completion (see place-order.ts); `onlyExpired` keeps
 * rows still inside the 120 s Medusa gave them. With Redis locking there is
 * no such table and keys expire by themselves.
 */
export async function clearDeadCartLock(
  container: MedusaContainer,
  cartId: string,
  options: { onlyExpired: boolean }
): Promise<boolean> {
  const db = knex(container)
  let present = lockingTableExists.get(db)
  if (!present) {
    present = db
      .raw(`SELECT to_regclass('locking') IS NOT NULL AS present`)
      .then(({ rows }: { rows: Array<{ present: boolean }> }) => rows[0].present)
      .catch((error: unknown) => {
        lockingTableExists.delete(db)
        throw error
      })
    lockingTableExists.set(db, present)
  }
  if (!(await present)) {
    return false
  }
  const { rowCount } = await db.raw(
    `DELETE FROM locking WHERE id = ? AND owner_id IS NULL AND (? = false OR expiration < now())`,
    [cartId, options.onlyExpired]
  )
  return rowCount > 0
}

/**
 * A cart paid with Click becomes at most one live order, enforced by
 * PostgreSQL where Medusa links them: a second `order_cart` link for the cart,
 * or a second `order_payment_collection` link for its payment collection, is
 * refused in the transaction that writes it. This is the fence of placement
 * (place-order.ts): a process frozen inside `completeCartWorkflow`, after its
 * "has this cart an order?" read, whose claim ran out while another process
 * placed the order, resumes with a stale read; its order's links fail here,
 * and Medusa's compensation removes its order before it reaches the payment.
 * Each trigger serializes the links of one cart (one collection) with a
 * transaction-scoped advisory lock, so that the second writer sees the first's
 * committed row. Other carts pass untouched. Triggers, unlike an index, are
 * not in the link tables' schema that `db:migrate` keeps in sync.
 */
const ONE_ORDER_PER_CLICK_CART_SQL = `
CREATE OR REPLACE FUNCTION click_one_order_per_cart() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM click_transaction WHERE merchant_trans_id = NEW.cart_id AND deleted_at IS NULL) THEN
    PERFORM pg_advisory_xact_lock(hashtext('click_one_order_per_cart'), hashtext(NEW.cart_id));
    IF EXISTS (SELECT 1 FROM order_cart
                WHERE cart_id = NEW.cart_id AND order_id <> NEW.order_id AND deleted_at IS NULL) THEN
      RAISE EXCEPTION 'cart % paid with Click already has an order: a second order is refused', NEW.cart_id;
    END IF;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS click_one_order_per_cart ON order_cart;
CREATE TRIGGER click_one_order_per_cart BEFORE INSERT OR UPDATE OF cart_id, order_id, deleted_at ON order_cart
  FOR EACH ROW EXECUTE FUNCTION click_one_order_per_cart();

CREATE OR REPLACE FUNCTION click_one_order_per_payment_collection() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.deleted_at IS NULL
     AND EXISTS (SELECT 1 FROM click_transaction ct JOIN payment_session ps ON ps.id = ct.payment_session_id
                  WHERE ps.payment_collection_id = NEW.payment_collection_id AND ct.deleted_at IS NULL) THEN
    PERFORM pg_advisory_xact_lock(hashtext('click_one_order_per_payment_collection'), hashtext(NEW.payment_collection_id));
    IF EXISTS (SELECT 1 FROM order_payment_collection
                WHERE payment_collection_id = NEW.payment_collection_id AND order_id <> NEW.order_id AND deleted_at IS NULL) THEN
      RAISE EXCEPTION 'payment collection % paid with Click already belongs to an order: a second order is refused', NEW.payment_collection_id;
    END IF;
  END IF;
  RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS click_one_order_per_payment_collection ON order_payment_collection;
CREATE TRIGGER click_one_order_per_payment_collection
  BEFORE INSERT OR UPDATE OF payment_collection_id, order_id, deleted_at ON order_payment_collection
  FOR EACH ROW EXECUTE FUNCTION click_one_order_per_payment_collection();`

/** Installs (or replaces) the triggers above; run by `db:migrate` after Medusa created its link tables. */
export async function installOneOrderPerClickCart(container: MedusaContainer): Promise<void> {
  await knex(container).raw(ONE_ORDER_PER_CLICK_CART_SQL)
}

/**
 * Placed Click payments whose money Medusa says must go back, or went back,
 * in full, without the Click payment following (its event lost, or recorded
 * before the payment was placed): Medusa's refunds of the payment add up to
 * its amount; or a full reversal was asked from the admin (recorded in
 * click_reversal, sent or done) though Medusa recorded no refund because
 * Click's answer was lost; or its order was cancelled (Medusa's cancellation
 * only logs a refund Click refused, and cancels the order all the same).
 */
export async function placedClickPaymentsRefundedInMedusa(
  container: MedusaContainer,
  limit: number
): Promise<Array<{ transaction_id: string; payment_id: string | null }>> {
  const { rows } = await knex(container).raw(
    `SELECT t.id AS transaction_id, p.id AS payment_id FROM click_transaction t
       LEFT JOIN payment p ON p.payment_session_id = t.payment_session_id AND p.deleted_at IS NULL AND ${CLICK_PROVIDER_SQL("p.provider_id")}
      WHERE t.state = 'placed' AND t.deleted_at IS NULL
        AND ((p.id IS NOT NULL AND p.amount <= (SELECT COALESCE(SUM(r.amount), 0) FROM refund r
                                                 WHERE r.payment_id = p.id AND r.deleted_at IS NULL))
          OR EXISTS (SELECT 1 FROM click_reversal v
                      WHERE v.transaction_id = t.id AND v.full_reversal AND v.status IN ('sent', 'done'))
          OR EXISTS (SELECT 1 FROM "order" o WHERE o.id = t.order_id AND o.status = 'canceled'))
      ORDER BY t.placed_at ASC
      LIMIT ?`,
    [limit]
  )
  return rows
}
