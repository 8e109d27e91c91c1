import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { ClickMerchantApiError } from "../../click"
import { clickMerchantGateway, clickRequestGuard } from "../../providers/click/merchant-gateway"
import type { ClickCartInvoice } from "../../storefront"
import { clickModule } from "../click-transactions"
import { noteMerchantApiCredentials } from "../merchant-api-credentials"
import { payableClickSession, startingCartPayment } from "./click-checkout"
import { ClickStoreRefusal } from "./store-refusal"
import { invoiceView, maskPhone, toView } from "./click-invoices"

/**
 * Pay by phone: asks Click to send the cart's invoice to the Click app of
 * `phone` (+998 and 9 digits, validated by the route). What is asked for is
 * read here, never taken from the storefront: `merchant_trans_id` is the cart
 * id, as in the cart's Click session, and the amount is the session's, which
 * must still be what the cart owes. The invoice moves no state: the shopper's
 * payment in the app reaches us as Click's Prepare and Complete, handled as
 * for the pay page.
 */
export async function requestClickInvoice(
  container: MedusaContainer,
  request: { cartId: string; phone: string; sourceAddress: string },
  log: Logger
): Promise<ClickCartInvoice> {
  return startingCartPayment(container, request.cartId, () => sendInvoice(container, request, log))
}

async function sendInvoice(
  container: MedusaContainer,
  request: { cartId: string; phone: string; sourceAddress: string },
  log: Logger
): Promise<ClickCartInvoice> {
  const { cartId, phone } = request
  const session = await payableClickSession(container, cartId)
  const invoices = clickModule(container).invoices
  const previous = await invoices.latestInvoiceOfCart(cartId)
  if (previous && (await invoiceView(container, previous, { refresh: "always" }, log)).status === "waiting") {
    // A second invoice could be paid beside the first: the cart would be debited twice.
    throw new ClickStoreRefusal(
      409,
      "invoice_waiting",
      `An invoice for this cart is waiting in the Click app of ${previous.masked_phone}: confirm or cancel it there, or pay on Click's page.`
    )
  }
  // Only requests that reach Click spend the budget: each one notifies a phone.
  const spent = await clickRequestGuard().spendInvoiceRequest(request.sourceAddress)
  if (!spent.ok) {
    throw new ClickStoreRefusal(429, "too_many_requests", `Too many invoices asked for from this address: try again in ${spent.retryAfterSec} s.`, {
      retryAfterSec: spent.retryAfterSec,
    })
  }
  // The invoice is billed by the service the cart's session pays with (several services: README "Several Click services").
  const gateway = clickMerchantGateway(session.service_id)
  const amountTiyin = BigInt(session.amount_tiyin)
  let invoiceId: string
  try {
    ;({ invoiceId } = await gateway.api.createInvoice({ phoneNumber: phone, amountTiyin, merchantTransId: cartId }))
  } catch (error) {
    throw await invoiceFailure(container, gateway.serviceId, error, maskPhone(phone), log)
  }
  await noteMerchantApiCredentials(container, gateway.serviceId, { refused: false }, log)
  const invoice = await invoices.recordInvoice({
    invoice_id: invoiceId,
    service_id: gateway.serviceId,
    merchant_trans_id: cartId,
    payment_session_id: session.session_id,
    amount_tiyin: amountTiyin.toString(),
    masked_phone: maskPhone(phone),
    invoice_status: 0,
  })
  log.info({ cart_id: cartId, invoice_id: invoiceId, phone: invoice.masked_phone }, "click invoice sent")
  return toView(invoice, "waiting")
}

/** Click's refusal or silence, in words for the shopper; our own credentials refused is an admin alert. */
async function invoiceFailure(
  container: MedusaContainer,
  serviceId: string,
  error: unknown,
  maskedPhone: string,
  log: Logger
): Promise<ClickStoreRefusal> {
  if (!(error instanceof ClickMerchantApiError)) throw error
  log.warn(
    { service_id: serviceId, phone: maskedPhone, kind: error.kind, http_status: error.httpStatus, click_error_code: error.errorCode },
    "click invoice not created"
  )
  if (error.httpStatus === 401 || error.httpStatus === 403) {
    await noteMerchantApiCredentials(container, serviceId, { refused: true, detail: `invoice/create answered HTTP ${error.httpStatus}` }, log)
    return new ClickStoreRefusal(503, "click_unavailable", "Paying by phone is not available right now: pay on Click's page.")
  }
  if (error.kind === "refused") {
    return new ClickStoreRefusal(
      422,
      "invoice_refused",
      `Click could not send an invoice to ${maskedPhone}: check that the number is registered in Click, or pay on Click's page.`,
      { clickErrorCode: error.errorCode }
    )
  }
  return new ClickStoreRefusal(
    503,
    "click_unavailable",
    error.mayHaveReachedClick
      ? "Click did not answer. If an invoice appears in your Click app you can pay it there; otherwise try again in a minute."
      : "Click cannot be reached right now: try again in a minute, or pay on Click's page."
  )
}
