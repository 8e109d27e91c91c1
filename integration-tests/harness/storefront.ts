import { storeClient as sharedStoreClient } from "../../scripts/lib/storefront.mjs"
import type { Backend } from "./backend"
import { takeStockedCart } from "./cart-stock"

export interface PayableCart {
  cartId: string
  /** What the Click session says is owed, as in the pay link ("58400.00"). */
  amount: string
  paymentUrl: string
  sessionData: Record<string, any>
}

export function storeClient(backend: Backend) {
  return sharedStoreClient(backend.url, backend.publishableKey)
}

/**
 * What a storefront does before sending the shopper to Click: cart, address,
 * shipping, Click session. A cart of the default shape comes from the
 * database's stock while it lasts (cart-stock.ts: made the same way, once).
 */
export async function createPayableCart(
  backend: Backend,
  options: { quantity?: number; providerId?: string; handle?: string; email?: string } = {}
): Promise<PayableCart> {
  const defaultShape = Object.values(options).every((value) => value === undefined)
  const stocked = defaultShape ? await takeStockedCart(backend.db) : undefined
  return (
    stocked ??
    storeClient(backend).createPayableCart(options.providerId ?? "pp_click_click", options.quantity ?? 1, options.handle, options.email)
  )
}

/** A shopper's email no other cart of the run has: its orders are this test's alone. */
export function uniqueEmail(): string {
  return `shopper-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}@example.com`
}

/** The seeded product whose stock Medusa manages. */
export const LIMITED_PRINT = "click-demo-limited-print"

/** Sets what is left of the limited print in stock (stocked minus reserved). */
export async function setLimitedPrintStock(backend: Backend, available: number) {
  // Medusa reads the exact `raw_` value of a quantity, the plain column is its copy.
  await backend.db.query(
    `UPDATE inventory_level il
        SET stocked_quantity = il.reserved_quantity + $1,
            raw_stocked_quantity = jsonb_build_object('value', (il.reserved_quantity + $1)::text, 'precision', 20)
       FROM product_variant_inventory_item pvi JOIN product_variant pv ON pv.id = pvi.variant_id
      WHERE pvi.inventory_item_id = il.inventory_item_id AND pv.sku = 'CLICK-DEMO-PRINT'`,
    [available]
  )
}

export async function createPaymentSession(
  backend: Backend,
  cartId: string,
  providerId: string,
  data?: Record<string, unknown>
) {
  const store = storeClient(backend)
  const { payment_collection } = await store.post("/store/payment-collections", { cart_id: cartId })
  const result = await store.post(`/store/payment-collections/${payment_collection.id}/payment-sessions`, {
    provider_id: providerId,
    ...(data ? { data } : {}),
  })
  return result.payment_collection.payment_sessions.find(
    (s: { provider_id: string }) => s.provider_id === providerId
  )
}

/** A storefront calling Medusa's own cart completion. */
export function completeCartFromStorefront(backend: Backend, cartId: string) {
  return backend.http
    .post(`/store/carts/${cartId}/complete`)
    .set("x-publishable-api-key", backend.publishableKey)
}

export async function countOrdersForCart(backend: Backend, cartId: string): Promise<number> {
  const { rows } = await backend.db.query(
    `SELECT count(*)::int AS n FROM "order" o JOIN order_cart oc ON oc.order_id = o.id
     WHERE oc.cart_id = $1 AND oc.deleted_at IS NULL AND o.deleted_at IS NULL`,
    [cartId]
  )
  return rows[0].n
}

/** Every order row ever written for this shopper's email, soft-deleted ones (an order created and rolled back) too. */
export async function countOrderRowsOfEmail(backend: Backend, email: string): Promise<number> {
  const { rows } = await backend.db.query(`SELECT count(*)::int AS n FROM "order" WHERE email = $1`, [email])
  return rows[0].n
}

/**
 * How long a wait for what the backend does after its answer may take. The waits
 * poll, so a generous bound costs nothing when things go well; on 2 busy cores
 * a placement behind a crowded recovery job can take tens of seconds.
 */
const WAIT_MS = 60_000

/** Reads until `done` holds or the time is up; returns the last value read. */
export async function poll<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let value = await read()
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    value = await read()
  }
  return value
}

/**
 * Click's Complete is answered before the order is placed: waits until the
 * cart's order exists (or the time is up) and returns how many orders the cart has.
 */
export function waitForOrders(backend: Backend, cartId: string, timeoutMs = WAIT_MS): Promise<number> {
  return poll(() => countOrdersForCart(backend, cartId), (n) => n > 0, timeoutMs)
}

export interface PaymentRow {
  state: string
  refund_reason: string | null
  order_id: string | null
  last_error: string | null
  attempts: number
  complete_click_trans_id: string | null
  payment_session_id: string
}

/** A Click payment attempt as stored, by `click_trans_id` or `merchant_prepare_id`. */
export async function paymentRow(backend: Backend, by: { clickTransId?: string; merchantPrepareId?: number }) {
  const [column, value] = by.clickTransId ? ["click_trans_id", by.clickTransId] : ["merchant_prepare_id", by.merchantPrepareId]
  const { rows } = await backend.db.query(
    `SELECT state, refund_reason, order_id, last_error, attempts, complete_click_trans_id, payment_session_id
       FROM click_transaction WHERE ${column} = $1`,
    [value]
  )
  return rows[0] as PaymentRow | undefined
}

/** The carts' debits still without an outcome (an order, or the money on its way back): [] when every one has one. */
export async function debitsWithoutOutcome(backend: Backend, cartIds: string[]) {
  const { rows } = await backend.db.query(
    "SELECT merchant_trans_id, state FROM click_transaction WHERE merchant_trans_id = ANY($1) AND state IN ('confirmed', 'refund_required', 'reversal_failed')",
    [cartIds]
  )
  return rows
}

/** Waits until the attempt reaches one of `states` (placement and refunds happen after Click's answer). */
export function waitForPaymentState(
  backend: Backend,
  by: { clickTransId?: string; merchantPrepareId?: number },
  states: string[],
  timeoutMs = WAIT_MS
): Promise<PaymentRow | undefined> {
  return poll(() => paymentRow(backend, by), (row) => !!row && states.includes(row.state), timeoutMs)
}

/** The storefront's return page: polls the status route until the cart is paid (or the time is up). */
export function waitForPaidStatus(backend: Backend, cartId: string, timeoutMs = WAIT_MS) {
  const read = async () =>
    (await backend.http.get(`/store/click/carts/${cartId}`).set("x-publishable-api-key", backend.publishableKey)).body
  return poll(read, (body) => body?.status === "paid", timeoutMs)
}

/**
 * The shopper on the sandbox's Click page: submits its form with Pay or
 * Decline, as the browser does, to `baseUrl` (the page is on the backend's
 * own origin). `tamper` changes fields of the form first.
 */
export function pressSandboxButton(
  baseUrl: string,
  paymentUrl: string,
  choice: "pay" | "decline",
  tamper: Record<string, string> = {}
) {
  const link = new URL(paymentUrl)
  return fetch(`${baseUrl}${link.pathname}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...Object.fromEntries(link.searchParams), ...tamper, choice }).toString(),
    redirect: "manual",
  })
}
