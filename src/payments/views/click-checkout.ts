import type { ILockingModule, MedusaContainer } from "@medusajs/framework/types"
import { Modules } from "@medusajs/framework/utils"
import { parseClickSessionData, type ClickSessionData } from "../../providers/click/session-data"
import { whyNotPayable } from "../callbacks/prepare"
import { loadClickCart, paymentSessionData } from "../medusa-tables"
import { cartClickPayment } from "./cart-payment-status"
import { ClickStoreRefusal } from "./store-refusal"

/**
 * Runs `start` alone for the cart: the payments a storefront starts (an
 * invoice, a saved-card debit) check that nothing else is paying the cart,
 * then record their own; two at once would both find the cart free and
 * both bill it.
 */
export function startingCartPayment<T>(container: MedusaContainer, cartId: string, start: () => Promise<T>): Promise<T> {
  return container.resolve<ILockingModule>(Modules.LOCKING).execute(`click:cart-payment:${cartId}`, start, { timeout: 15 })
}

/**
 * The cart's Click session, when the cart can be paid with it now: the checks
 * Prepare will make (so that Click is not asked to bill a cart we would refuse),
 * and a session that is the provider's, names this cart and asks for what the
 * cart owes.
 */
export async function payableClickSession(container: MedusaContainer, cartId: string): Promise<ClickSessionData> {
  const [cart, payment] = await Promise.all([loadClickCart(container, cartId), cartClickPayment(container, cartId)])
  if (!cart) throw new ClickStoreRefusal(404, "cart_not_found", `Cart ${cartId} was not found.`)
  if (cart.completedAt || payment.paying || payment.queued) {
    throw new ClickStoreRefusal(409, "cart_paid", `Cart ${cartId} is already paid.`)
  }
  if (payment.holding) {
    throw new ClickStoreRefusal(
      409,
      "click_payment_in_progress",
      `Cart ${cartId} has a Click payment in progress. Poll GET /store/click/carts/${cartId} for its status.`
    )
  }
  if (!cart.session) {
    throw new ClickStoreRefusal(
      409,
      "no_click_session",
      `Cart ${cartId} is not paying with Click: create its Click payment session first.`
    )
  }
  const unpayable = whyNotPayable(cart)
  if (unpayable === "stale_session") {
    throw new ClickStoreRefusal(
      409,
      "amount_changed",
      `The total of cart ${cartId} changed since its Click payment session was created: create a new session.`
    )
  }
  if (unpayable) {
    throw new ClickStoreRefusal(409, "cart_not_payable", `Cart ${cartId} cannot be paid now (${unpayable.replace(/_/g, " ")}).`)
  }
  let data: ClickSessionData
  try {
    data = parseClickSessionData(await paymentSessionData(container, cart.session.id))
  } catch {
    throw new ClickStoreRefusal(409, "no_click_session", `Cart ${cartId} has no Click payment session this backend wrote.`)
  }
  if (data.cart_id !== cartId || data.merchant_trans_id !== cartId) {
    throw new ClickStoreRefusal(409, "no_click_session", `The Click payment session of cart ${cartId} is not this cart's.`)
  }
  if (BigInt(data.amount_tiyin) !== cart.session.amountTiyin) {
    throw new ClickStoreRefusal(
      409,
      "amount_changed",
      `The Click payment session of cart ${cartId} does not ask for what the cart owes: create a new session.`
    )
  }
  return data
}
