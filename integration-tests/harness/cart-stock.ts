import pg from "pg"
import { storeClient } from "../../scripts/lib/storefront.mjs"
import { testEnv } from "./test-env"
import { startMedusaProcess, storefrontPublishableKey } from "./medusa-process"

/**
 * Payable carts made once, in the run's template database, by a real storefront
 * on a real `medusa start`: every database cloned from the template holds them.
 * A cart costs a backend real CPU (cart, shipping options, shipping method,
 * payment collection, Click session) and the run needs some 300, most of them
 * alike; a test takes one of these instead of making its own.
 *
 * Only the default shape is stocked (one T-shirt, aziz@example.com, a Click
 * session of the tests' merchant outside sandbox mode). Whatever else a test asks
 * for, and every cart once a database's stock is used up, is made on the spot.
 * No vitest imports: the run's main process fills the stock.
 */
export const STOCKED_CARTS = 40

export interface StockedCart {
  cartId: string
  amount: string
  paymentUrl: string
  sessionData: Record<string, any>
}

/** Boots Medusa on the (migrated, seeded) template, stores `count` payable carts in it, and stops it. */
export async function fillCartStock(databaseUrl: string, options: { priority?: number } = {}, count = STOCKED_CARTS): Promise<void> {
  const medusa = await startMedusaProcess(testEnv({ DATABASE_URL: databaseUrl }), "template-cart-stock", options)
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  try {
    await db.query(`CREATE TABLE test_cart_stock (
      position serial PRIMARY KEY, cart_id text NOT NULL, amount text NOT NULL,
      payment_url text NOT NULL, session_data jsonb NOT NULL, taken boolean NOT NULL DEFAULT false)`)
    const store = storeClient(medusa.url, await storefrontPublishableKey(db))
    // The first alone: Medusa creates the guest customer with an email's first cart.
    const carts = [await store.createPayableCart()]
    while (carts.length < count) {
      carts.push(...(await Promise.all(Array.from({ length: Math.min(4, count - carts.length) }, () => store.createPayableCart()))))
    }
    for (const cart of carts) {
      await db.query("INSERT INTO test_cart_stock (cart_id, amount, payment_url, session_data) VALUES ($1, $2, $3, $4)", [
        cart.cartId,
        cart.amount,
        cart.paymentUrl,
        cart.sessionData,
      ])
    }
  } finally {
    await db.end()
    // A template must have no connection left when it is cloned.
    await medusa.stop()
  }
}

/** Sandbox mode's Click sessions carry another pay link: a sandbox backend's database makes its own carts. */
export async function emptyCartStock(db: pg.Pool | pg.Client): Promise<void> {
  await db.query("DELETE FROM test_cart_stock")
}

/** One unused stocked cart of this database, taken for good (several files and processes may ask at once). */
export async function takeStockedCart(db: pg.Pool | pg.Client): Promise<StockedCart | undefined> {
  const { rows } = await db.query(
    `UPDATE test_cart_stock SET taken = true
      WHERE position = (SELECT position FROM test_cart_stock WHERE NOT taken ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING cart_id, amount, payment_url, session_data`
  )
  const row = rows[0]
  return row && { cartId: row.cart_id, amount: row.amount, paymentUrl: row.payment_url, sessionData: row.session_data }
}
