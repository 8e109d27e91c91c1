import type { ILockingModule, IPaymentModuleService, MedusaContainer, PaymentAccountHolderDTO } from "@medusajs/framework/types"
import { ContainerRegistrationKeys, Modules } from "@medusajs/framework/utils"
import type { Logger } from "pino"
import { z } from "zod"
import { cardRefusalOf, ClickMerchantApiError } from "../../click"
import {
  cardCounts,
  forgetSavedCard,
  claimVerifyAttempt,
  recordCardRequest,
  SAVED_CARD_LIMITS,
  markCardSaved,
  savedCardOf,
  type SavedCardDatabase,
  type SavedCardRow,
} from "../../modules/click/saved-cards"
import { isClickProviderId } from "../../providers/click/ids"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import { noteMerchantApiCredentials } from "../merchant-api-credentials"
import { ClickStoreRefusal } from "./store-refusal"

/** A saved card as the customer sees it: Click's masked number, never the token. */
export interface SavedCardView {
  id: string
  provider_id: string
  card_number: string
  saved_at: string | null
}

/**
 * Saved cards (Click card tokens) as Medusa payment methods of the customer's
 * account holder. The card number and the SMS code pass through this file to
 * Click and are dropped: they are neither stored nor logged, and Click's errors
 * arrive with them removed (src/click/merchant-api-cards.ts). The cards
 * themselves are kept by the provider's payment-method hooks
 * (providers/click/service.ts), reached through the payment module.
 */
export async function requestCardToken(
  container: MedusaContainer,
  request: { customerId: string; cardNumber: string; expireDate: string; temporary: boolean; providerId?: string },
  log: Logger
): Promise<{ card_token: string; phone_number: string }> {
  const holder = await accountHolderFor(container, request.customerId, await cardProviderId(container, request.providerId))
  const db = database(container)
  const counts = await cardCounts(db, holder.id)
  if (!request.temporary && counts.saved >= SAVED_CARD_LIMITS.savedCards) {
    throw new ClickStoreRefusal(409, "too_many_cards", `At most ${SAVED_CARD_LIMITS.savedCards} cards can be saved: delete one first.`)
  }
  // Each request sends an SMS to the card's phone.
  if (counts.requestsLastHour >= SAVED_CARD_LIMITS.requestsPerHour) {
    throw new ClickStoreRefusal(429, "too_many_requests", "Too many cards added in the last hour: try again later.")
  }
  const gateway = gatewayOf(holder)
  let requested: { cardToken: string; phoneNumber: string }
  try {
    requested = await gateway.api.requestCardToken({ cardNumber: request.cardNumber, expireDate: request.expireDate, temporary: request.temporary })
  } catch (error) {
    throw await clickFailure(container, gateway.serviceId, "card_token/request", error, log)
  }
  await recordCardRequest(db, {
    service_id: gateway.serviceId,
    account_holder_id: holder.id,
    card_token: requested.cardToken,
    masked_phone: requested.phoneNumber,
    temporary: request.temporary,
  })
  log.info({ customer_id: request.customerId, account_holder_id: holder.id, phone: requested.phoneNumber }, "click card token requested")
  return { card_token: requested.cardToken, phone_number: requested.phoneNumber }
}

/**
 * The SMS code to Click; once Click accepts it, the card is saved as the
 * customer's payment method, or, for a temporary token, kept for one payment
 * only (its answer says `temporary: true`; it is never listed).
 */
export async function verifyCardToken(
  container: MedusaContainer,
  request: { customerId: string; cardToken: string; smsCode: string },
  log: Logger
): Promise<SavedCardView & { temporary?: true }> {
  // The token's own service verifies it: the customer's account holder of each Click service is tried.
  let holder: AccountHolder | undefined
  let requested: SavedCardRow | undefined
  for (const candidate of await accountHoldersOf(container, request.customerId)) {
    requested = await claimVerifyAttempt(database(container), {
      service_id: gatewayOf(candidate).serviceId,
      account_holder_id: candidate.id,
      card_token: request.cardToken,
    })
    if (requested) {
      holder = candidate
      break
    }
  }
  if (!holder || !requested) {
    throw new ClickStoreRefusal(404, "card_request_not_found", "No card waiting for an SMS code has this token: add the card again.")
  }
  const gateway = gatewayOf(holder)
  if (requested.verify_attempts > SAVED_CARD_LIMITS.verifyAttempts) {
    throw new ClickStoreRefusal(429, "too_many_attempts", "Too many wrong SMS codes: add the card again to get a new code.")
  }
  let maskedCardNumber: string
  try {
    ;({ cardNumber: maskedCardNumber } = await gateway.api.verifyCardToken({ cardToken: request.cardToken, smsCode: request.smsCode }))
  } catch (error) {
    throw await clickFailure(container, gateway.serviceId, "card_token/verify", error, log, requested.masked_phone)
  }
  if (requested.temporary) {
    const card = await markCardSaved(database(container), {
      service_id: gateway.serviceId,
      account_holder_id: holder.id,
      card_token: request.cardToken,
      masked_card_number: maskedCardNumber,
      temporary: true,
    })
    if (!card) throw new ClickStoreRefusal(404, "card_request_not_found", "No card waiting for an SMS code has this token: add the card again.")
    log.info({ customer_id: request.customerId, account_holder_id: holder.id, card_id: card.id, masked_card_number: maskedCardNumber }, "click temporary card verified")
    return { ...toView({ id: card.id, provider_id: holder.provider_id, data: { card_number: maskedCardNumber } }), temporary: true }
  }
  const [method] = await paymentModule(container).createPaymentMethods([
    { provider_id: holder.provider_id, data: { card_token: request.cardToken, card_number: maskedCardNumber }, context: { account_holder: holder } },
  ])
  log.info({ customer_id: request.customerId, account_holder_id: holder.id, saved_card_id: method.id, masked_card_number: maskedCardNumber }, "click card saved")
  return toView(method)
}

/** The customer's saved cards, through the payment module (the provider lists them). */
export async function listSavedCards(container: MedusaContainer, customerId: string): Promise<SavedCardView[]> {
  const cards: SavedCardView[] = []
  for (const holder of await accountHoldersOf(container, customerId)) {
    const methods = await paymentModule(container).listPaymentMethods({ provider_id: holder.provider_id, context: { account_holder: holder } })
    cards.push(...methods.map((method) => toView({ ...method, provider_id: holder.provider_id })))
  }
  return cards
}

/** Deletes one of the customer's saved cards: at Click first (the provider's hook), then ours. */
export async function deleteSavedCard(container: MedusaContainer, request: { customerId: string; id: string }, log: Logger): Promise<void> {
  const found = await customersCard(container, request.customerId, request.id)
  if (!found || found.card.temporary) throw new ClickStoreRefusal(404, "card_not_found", "You have no saved card with this id.")
  const { holder, card } = found
  try {
    await paymentModule(container).deletePaymentMethods([{ id: card.id, provider_id: holder.provider_id, context: { account_holder: holder } }])
  } catch (error) {
    // The payment module joins its providers' errors into plain text: ours name no card data.
    log.warn({ customer_id: request.customerId, saved_card_id: card.id, err: String(error) }, "click card not deleted")
    throw new ClickStoreRefusal(503, "click_unavailable", "Click could not delete the card right now: try again in a minute.")
  }
  log.info({ customer_id: request.customerId, saved_card_id: card.id }, "click card deleted")
}

/** One of the customer's verified cards (saved or temporary), with its token: for the customer's own checkout only, never for an answer. */
export async function customersSavedCard(container: MedusaContainer, customerId: string, id: string): Promise<SavedCardRow | undefined> {
  return (await customersCard(container, customerId, id))?.card
}

async function customersCard(container: MedusaContainer, customerId: string, id: string): Promise<{ holder: AccountHolder; card: SavedCardRow } | undefined> {
  for (const holder of await accountHoldersOf(container, customerId)) {
    const card = await savedCardOf(database(container), holder.id, id)
    if (card) return { holder, card }
  }
  return undefined
}

/** A temporary card is spent once its payment was asked of Click, whatever the answer. */
export async function forgetSpentTemporaryCard(container: MedusaContainer, card: SavedCardRow): Promise<void> {
  if (card.temporary) await forgetSavedCard(database(container), card.id)
}

/**
 * A customer's account holders as accountHoldersOf's query.graph reads them.
 * Loose: the holder is handed on whole to the payment module as the payment
 * method's context.
 */
const customerAccountHoldersSchema = z.object({
  account_holders: z
    .array(z.looseObject({ id: z.string(), provider_id: z.string(), data: z.record(z.string(), z.unknown()).nullish() }).nullable())
    .nullish(),
})

/** The customer as customerOf's query.graph reads it: what the provider names its account holder after. */
const customerContactSchema = z.object({
  id: z.string(),
  email: z.string().nullish(),
  company_name: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  phone: z.string().nullish(),
})

type AccountHolder = PaymentAccountHolderDTO & { id: string; provider_id: string }

/**
 * The customer's account holder of a Click provider, linked to the customer as
 * Medusa's payment sessions link it (createPaymentSessionsWorkflow), so that
 * checkout finds the same one. Created under a lock: the provider names it
 * after the customer and Medusa allows one such name per provider.
 */
async function accountHolderFor(container: MedusaContainer, customerId: string, providerId: string): Promise<AccountHolder> {
  const linked = async () => (await accountHoldersOf(container, customerId)).find((holder) => holder.provider_id === providerId)
  const existing = await linked()
  if (existing) return existing
  const locking = container.resolve<ILockingModule>(Modules.LOCKING)
  return locking.execute(
    `click:account-holder:${customerId}`,
    async () => {
      const again = await linked()
      if (again) return again
      const customer = await customerOf(container, customerId)
      const created = await paymentModule(container).createAccountHolder({ provider_id: providerId, context: { customer } })
      await container.resolve(ContainerRegistrationKeys.LINK).create({
        [Modules.CUSTOMER]: { customer_id: customerId },
        [Modules.PAYMENT]: { account_holder_id: created.id },
      })
      return { ...created, data: created.data ?? {} }
    },
    { timeout: 15 }
  )
}

/** The customer's account holders of Click providers, one per Click service it has used. */
async function accountHoldersOf(container: MedusaContainer, customerId: string): Promise<AccountHolder[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({ entity: "customer", fields: ["id", "account_holders.*"], filters: { id: customerId } })
  const holders = data[0] ? customerAccountHoldersSchema.parse(data[0]).account_holders ?? [] : []
  return holders.flatMap((holder) => (holder && isClickProviderId(holder.provider_id) ? [{ ...holder, data: holder.data ?? {} }] : []))
}

/**
 * The Click service of an account holder: the provider recorded it when it
 * created the holder (createAccountHolder). A card token belongs to that one
 * service, and pays only carts whose Click session is of it.
 */
function gatewayOf(holder: AccountHolder) {
  const serviceId = holder.data?.service_id
  return clickMerchantGateway(typeof serviceId === "string" ? serviceId : null)
}

/**
 * The Click provider instance a new card is saved with: the one the customer
 * names (`provider_id`, pp_click_<id>), which a backend with several Click
 * services requires, or the only one.
 */
async function cardProviderId(container: MedusaContainer, requested: string | undefined): Promise<string> {
  const providers = await paymentModule(container).listPaymentProviders({}, { select: ["id"] })
  const click = providers.map((provider) => provider.id).filter(isClickProviderId)
  if (requested) {
    if (click.includes(requested)) return requested
    throw new ClickStoreRefusal(404, "provider_not_found", `${requested} is not a Click payment provider of this store (${click.join(", ")}).`)
  }
  if (click.length === 1) return click[0]
  throw click.length
    ? new ClickStoreRefusal(409, "provider_required", `This store has several Click services: name one as provider_id (${click.join(", ")}).`)
    : new ClickStoreRefusal(503, "saved_cards_unavailable", "No Click payment provider is registered in medusa-config.")
}

async function customerOf(container: MedusaContainer, customerId: string) {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "customer",
    fields: ["id", "email", "company_name", "first_name", "last_name", "phone"],
    filters: { id: customerId },
  })
  if (!data[0]) throw new ClickStoreRefusal(404, "customer_not_found", "The logged-in customer was not found.")
  const customer = customerContactSchema.parse(data[0])
  // A logged-in customer has an email (Medusa's auth registers one); the payment module's type requires it.
  return { ...customer, email: customer.email ?? "" }
}

function toView(method: { id: string; provider_id: string; data: Record<string, unknown> }): SavedCardView {
  return {
    id: method.id,
    provider_id: method.provider_id,
    card_number: String(method.data.card_number),
    saved_at: typeof method.data.saved_at === "string" ? method.data.saved_at : null,
  }
}

const paymentModule = (container: MedusaContainer) => container.resolve<IPaymentModuleService>(Modules.PAYMENT)
const database = (container: MedusaContainer) => container.resolve<SavedCardDatabase>(ContainerRegistrationKeys.PG_CONNECTION)

/** Click's refusal or silence, in words for the customer; our own credentials refused is an admin alert. */
async function clickFailure(
  container: MedusaContainer,
  serviceId: string,
  endpoint: string,
  error: unknown,
  log: Logger,
  maskedPhone?: string
): Promise<ClickStoreRefusal> {
  if (!(error instanceof ClickMerchantApiError)) throw error
  // The client removed the card number and SMS code from Click's error; its note is not logged anyway.
  log.warn({ service_id: serviceId, endpoint, kind: error.kind, http_status: error.httpStatus, click_error_code: error.errorCode }, "click card refused")
  if (error.httpStatus === 401 || error.httpStatus === 403) {
    await noteMerchantApiCredentials(container, serviceId, { refused: true, detail: `${endpoint} answered HTTP ${error.httpStatus}` }, log)
    return new ClickStoreRefusal(503, "click_unavailable", "Saving cards is not available right now: try again later.")
  }
  if (error.kind !== "refused") {
    return new ClickStoreRefusal(503, "click_unavailable", "Click cannot be reached right now: try again in a minute.")
  }
  switch (cardRefusalOf(error)) {
    case "sms_code_expired":
      return new ClickStoreRefusal(422, "sms_code_expired", "The SMS code has expired: add the card again to get a new code.", { clickErrorCode: error.errorCode })
    case "sms_code_wrong":
      return new ClickStoreRefusal(
        422,
        "sms_code_wrong",
        `The SMS code is wrong: enter the code Click sent to ${maskedPhone ?? "the card's phone"}.`,
        { clickErrorCode: error.errorCode }
      )
    case "card_blocked":
      return new ClickStoreRefusal(422, "card_blocked", "This card is blocked: use another card.", { clickErrorCode: error.errorCode })
    default:
      return new ClickStoreRefusal(
        422,
        "card_refused",
        endpoint === "card_token/verify"
          ? "Click did not accept the SMS code: add the card again."
          : "Click did not accept this card: check its number and expiry date, or use another card.",
        { clickErrorCode: error.errorCode }
      )
  }
}
