import { randomUUID } from "node:crypto"
import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { Logger } from "pino"
import { z } from "zod"
import { cardRefusalOf, ClickMerchantApiError, formatSignTime, formatTiyinAsSoums } from "../../click"
import { barsCardDebit, ClickPaymentState, DebitVia } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import { recordDebit, stampOfAttempt } from "../callbacks/record-debit"
import { clickModule } from "../click-transactions"
import { noteMerchantApiCredentials } from "../merchant-api-credentials"
import { placeClickOrderInBackground, settleCartQueueInBackground } from "../placement/place-order"
import { payableClickSession, startingCartPayment } from "./click-checkout"
import { ClickStoreRefusal } from "./store-refusal"
import { customersSavedCard, forgetSpentTemporaryCard } from "./saved-cards"

/**
 * What the storefront hears when Click took the request: `debited` (Click
 * reports the money taken), `processing` (Click is still at it, or did not
 * answer). Either way the backend places the order; the storefront polls
 * GET /store/click/carts/:id as after Click's page.
 */
export interface SavedCardDebit {
  status: "debited" | "processing"
}

interface DebitIntent {
  id: string
  merchant_prepare_id: number
  merchant_trans_id: string
  serviceId: string
  /** The session's amount, as the row keeps it. */
  amount_tiyin: string
}

/**
 * Checkout with a saved card: Click's `card_token/payment` debits the card
 * for the cart's Click session, and the debit enters the one state machine
 * (ARCHITECTURE.md "Three ways in"):
 *
 * 1. the attempt is written `prepared` before Click is asked, under the cart's
 *    payment lock: from then on the cart is held as during a Prepare, and a
 *    process that dies while Click debits leaves a row that reconciliation
 *    asks Click about (by the cart id, sent as `transaction_parameter`);
 * 2. Click's answer: a payment (paid, or still processing) is recorded as a
 *    Complete records a debit (`confirmed` with the stamp and Click's
 *    payment_id), and placement asks Click's payment/status before the order,
 *    whatever the option verifyPayments says; Click's refusal or a failed
 *    payment is `cancelled` and the cart stays payable; no answer leaves it
 *    `prepared` for reconciliation.
 *
 * The amount and merchant_trans_id are the session's, never the browser's.
 */
export async function payWithSavedCard(
  container: MedusaContainer,
  request: { cartId: string; customerId: string; paymentMethodId: string },
  log: Logger
): Promise<SavedCardDebit> {
  const { cartId, customerId } = request
  const card = await customersSavedCard(container, customerId, request.paymentMethodId)
  if (!card) throw new ClickStoreRefusal(404, "card_not_found", "You have no saved card with this id.")

  const intent = await startingCartPayment(container, cartId, async (): Promise<DebitIntent> => {
    // Another customer's cart is not found: its id says nothing to this one.
    if ((await cartCustomerId(container, cartId)) !== customerId) {
      throw new ClickStoreRefusal(404, "cart_not_found", `Cart ${cartId} was not found.`)
    }
    const session = await payableClickSession(container, cartId)
    if (session.service_id !== card.service_id) {
      throw new ClickStoreRefusal(
        409,
        "card_of_another_service",
        "This card is saved with another Click service than the one this cart pays with: pay on Click's page."
      )
    }
    const payments = clickModule(container)
    if ((await payments.listCartAttempts(cartId)).some(barsCardDebit)) throw unsettledPaymentRefusal(cartId)
    const clickTransId = `card_token:${randomUUID()}`
    const created = await payments.createPrepared({
      click_trans_id: clickTransId,
      click_paydoc_id: null,
      service_id: session.service_id,
      merchant_trans_id: cartId,
      payment_session_id: session.session_id,
      amount: formatTiyinAsSoums(BigInt(session.amount_tiyin)),
      amount_tiyin: session.amount_tiyin,
      sign_time: formatSignTime(new Date()),
      debit_via: DebitVia.CardToken,
    })
    const intent = { ...created, serviceId: session.service_id, amount_tiyin: session.amount_tiyin }
    // Written, then looked again: Prepare is not under this lock, and one that read the cart before
    // this row existed writes its own after it. Of two such writes, the later one's look sees the
    // other (Prepare looks again too), so at most one of them goes on to Click.
    const others = (await payments.listCartAttempts(cartId)).filter((attempt) => attempt.click_trans_id !== clickTransId)
    if (others.some(barsCardDebit)) {
      await cancelIntent(container, intent, "withdrawn before Click was asked: another payment of the cart started", {})
      throw unsettledPaymentRefusal(cartId)
    }
    return intent
  })

  const gateway = clickMerchantGateway(intent.serviceId)
  let answer: { paymentId: string; paymentStatus: number }
  try {
    answer = await gateway.api.payWithCardToken({ cardToken: card.card_token, amountTiyin: BigInt(intent.amount_tiyin), merchantTransId: cartId })
  } catch (error) {
    const failure = await debitFailure(container, intent, error, log)
    if (failure === "unanswered") return { status: "processing" }
    throw failure
  } finally {
    await forgetSpentTemporaryCard(container, card)
  }
  await noteMerchantApiCredentials(container, intent.serviceId, { refused: false }, log)
  const fields = { cart_id: cartId, merchant_prepare_id: intent.merchant_prepare_id, click_paydoc_id: answer.paymentId }

  if (answer.paymentStatus < 0) {
    await cancelIntent(container, intent, `card_token/payment: payment_status ${answer.paymentStatus}`, { click_paydoc_id: answer.paymentId })
    log.info({ ...fields, payment_status: answer.paymentStatus }, "saved card payment failed at Click")
    throw new ClickStoreRefusal(
      422,
      "card_payment_failed",
      "Click could not take the payment from this card: use another card, or pay on Click's page."
    )
  }
  const outcome = await recordDebit(
    container,
    intent,
    { confirmation: stampOfAttempt(gateway, intent), reason: "card_token_payment", set: { click_paydoc_id: answer.paymentId } },
    log
  )
  if (outcome.state === "confirmed") placeClickOrderInBackground(container, intent.id, log)
  if (outcome.state === "queued") settleCartQueueInBackground(container, cartId, log)
  log.info({ ...fields, payment_status: answer.paymentStatus, state: outcome.state }, "saved card debited")
  return { status: answer.paymentStatus === 2 ? "debited" : "processing" }
}

/**
 * Click's refusal ends the attempt (`cancelled`: Click's word that nothing was
 * taken), and the customer hears why. No answer (a timeout, a 5xx, a reset
 * after sending) may hide a debit: the attempt stays `prepared`,
 * reconciliation settles it, and the storefront waits as for `processing`.
 * Our own credentials refused is an admin alert; the attempt is left to
 * reconciliation too, since a 401 says nothing about the payment.
 */
async function debitFailure(
  container: MedusaContainer,
  intent: DebitIntent,
  error: unknown,
  log: Logger
): Promise<ClickStoreRefusal | "unanswered"> {
  if (!(error instanceof ClickMerchantApiError)) throw error
  const fields = { cart_id: intent.merchant_trans_id, merchant_prepare_id: intent.merchant_prepare_id }
  log.warn({ ...fields, kind: error.kind, http_status: error.httpStatus, click_error_code: error.errorCode }, "saved card payment not taken")
  if (error.httpStatus === 401 || error.httpStatus === 403) {
    await noteMerchantApiCredentials(
      container,
      intent.serviceId,
      { refused: true, detail: `card_token/payment answered HTTP ${error.httpStatus}` },
      log
    )
    return new ClickStoreRefusal(503, "click_unavailable", "Paying with a saved card is not available right now: pay on Click's page.")
  }
  if (error.kind === "refused") {
    await cancelIntent(container, intent, `card_token/payment refused: Click error ${error.errorCode}`, {
      click_error: String(error.errorCode),
    })
    const refusal = cardRefusalOf(error)
    if (refusal === "insufficient_funds") {
      return new ClickStoreRefusal(422, "insufficient_funds", "The card does not have enough money: use another card.", {
        clickErrorCode: error.errorCode,
      })
    }
    if (refusal === "card_blocked") {
      return new ClickStoreRefusal(422, "card_blocked", "This card is blocked: use another card.", { clickErrorCode: error.errorCode })
    }
    return new ClickStoreRefusal(422, "card_refused", "Click did not take the payment from this card: use another card, or pay on Click's page.", {
      clickErrorCode: error.errorCode,
    })
  }
  if (!error.mayHaveReachedClick) {
    await cancelIntent(container, intent, "card_token/payment never reached Click", {})
    return new ClickStoreRefusal(503, "click_unavailable", "Click cannot be reached right now: try again in a minute.")
  }
  return "unanswered"
}

function unsettledPaymentRefusal(cartId: string): ClickStoreRefusal {
  return new ClickStoreRefusal(
    409,
    "click_payment_in_progress",
    `Cart ${cartId} has a Click payment that Click has not settled yet: a saved card can pay it once Click has. ` +
      `Poll GET /store/click/carts/${cartId} for its status.`
  )
}

async function cancelIntent(
  container: MedusaContainer,
  intent: DebitIntent,
  detail: string,
  set: { click_paydoc_id?: string; click_error?: string }
): Promise<void> {
  await clickModule(container).transition({
    id: intent.id,
    from: ClickPaymentState.Prepared,
    to: ClickPaymentState.Cancelled,
    reason: "card_token_payment",
    detail,
    set: { ...set, last_error: detail },
  })
}

/** The cart as cartCustomerId's query.graph reads it. */
const cartCustomerSchema = z.object({ id: z.string(), customer_id: z.string().nullish() })

async function cartCustomerId(container: MedusaContainer, cartId: string): Promise<string | null> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "cart", fields: ["id", "customer_id"], filters: { id: cartId } })
  return data[0] ? cartCustomerSchema.parse(data[0]).customer_id ?? null : null
}
