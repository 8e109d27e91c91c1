/**
 * `medusa-payment-click/storefront`: what a storefront needs to pay a cart
 * with Click, in any framework or none. It only speaks to Medusa's store API
 * and this plugin's status route; the order is placed by the backend when
 * Click's Complete arrives, so a storefront never completes the cart itself.
 *
 *   const click = createClickCheckout({ backendUrl, publishableKey })
 *   location.href = (await click.startPayment(cart.id)).paymentUrl
 *   // on the return page:
 *   const payment = await click.waitForOrder(cartId)
 *   if (payment.status === "paid") showOrder(payment.order_display_id)
 *
 *   // or pay by phone: Click's app asks the shopper to confirm
 *   const invoice = await click.payByPhone(cart.id, "+998 90 123 45 67")
 *   const paid = await click.waitForOrder(cart.id, { onStatus: (p) => p.invoice?.status === "waiting" && showConfirmInApp() })
 *
 *   // or a logged-in customer's saved card (customerToken, or Medusa's session cookie):
 *   const { card_token } = await click.saveCard("8600 1234 5678 9012", "1229") // Click sends an SMS code
 *   const card = await click.verifyCard(card_token, smsCode) // masked: 860012******9012
 *   await click.payWithSavedCard(cart.id, card.id)
 *   const order = await click.waitForOrder(cart.id)
 *
 * `createClickCheckout` is self-contained (it uses nothing from outside its
 * own body but `fetch`), so the sandbox demo shop ships this very function to
 * the browser.
 */

export type ClickCartStatus =
  | "awaiting_payment"
  | "processing"
  | "paid"
  | "cancelled"
  | "refund_pending"
  | "refunded"

/**
 * An invoice sent to the shopper's Click app (pay by phone): `waiting` (say
 * "confirm in your Click app"), `paid` (the order follows, as `status` shows),
 * `cancelled` (cancelled or expired: the cart can be paid again, by a new
 * invoice or on Click's page), `unknown` (Click could not be asked just now).
 */
export interface ClickCartInvoice {
  invoice_id: string
  /** Masked: +998*****4567. */
  phone: string
  status: "waiting" | "paid" | "cancelled" | "unknown"
  created_at: string
}

/** The answer of `GET /store/click/carts/:id`. */
export interface ClickCartPayment {
  cart_id: string
  status: ClickCartStatus
  order_id: string | null
  order_display_id: number | null
  /** The cart's newest invoice, if the shopper asked to pay by phone. */
  invoice: ClickCartInvoice | null
}

/** A customer's saved Click card (a Click card token kept as a Medusa payment method); the number is masked. */
export interface ClickSavedCard {
  /** `clickcard_…`: the `paymentMethodId` of `payWithSavedCard` and `deleteSavedCard`. */
  id: string
  provider_id: string
  /** Masked: 860012******9012. */
  card_number: string
  /** Null for a card saved for one payment (`temporary`). */
  saved_at: string | null
}

/**
 * A saved card's debit, as Click answered it: `debited` (the backend places
 * the order next) or `processing` (Click is still debiting; the backend asks
 * Click until it knows). Either way `waitForOrder` shows the outcome.
 */
export interface ClickCardPayment {
  status: "debited" | "processing"
}

export interface ClickCheckoutOptions {
  /** The Medusa backend, e.g. `https://api.shop.uz`. */
  backendUrl: string
  /** A publishable API key of the cart's sales channel. */
  publishableKey: string
  /** The Click provider's id in Medusa: `pp_<provider id>_<config id>`. */
  providerId?: string
  /**
   * The logged-in customer's token (from Medusa's `/auth/customer/emailpass`),
   * sent as `Authorization: Bearer` on the saved-card calls and the payment
   * session `payWithSavedCard` creates; a function is asked at every call.
   * Without one, those calls send the browser's cookies
   * (`credentials: "include"`), for a Medusa session (`POST /auth/session`).
   */
  customerToken?: string | (() => string | null | undefined)
  fetch?: typeof fetch
}

export interface WaitForOrderOptions {
  /** Give up after this long and return the last status (default 120 000 ms). */
  timeoutMs?: number
  /** Time between two status reads (default 1 000 ms). */
  intervalMs?: number
  signal?: AbortSignal
  /** Called with every status read, e.g. to show "processing…". */
  onStatus?: (payment: ClickCartPayment) => void
}

export interface ClickCheckout {
  /** Creates the cart's Click payment session; send the shopper to `paymentUrl`. */
  startPayment(cartId: string): Promise<{ paymentUrl: string; paymentSessionId: string }>
  /**
   * Pay by phone: creates the cart's Click payment session, then asks the
   * backend to send its invoice to the Click app of `phone` (+998 and 9
   * digits; spaces and dashes allowed). The shopper confirms it in the app;
   * `status` / `waitForOrder` then show the invoice and the order. Throws with
   * `status` 400 (bad phone), 409 (cart paid, in payment, or an invoice
   * already waiting), 422 (Click refused the number), 429 or 503, and the
   * backend's `code` and `message` on the error's `body`.
   */
  payByPhone(cartId: string, phone: string): Promise<ClickCartInvoice>
  /**
   * Saved cards (a logged-in customer, see `customerToken`): Click sends an
   * SMS code to the card's phone. `expireDate` is MMYY. Answers the token to
   * verify and the phone, masked (+998*****4567). Throws like `payByPhone`:
   * 400 `invalid_card_data`, 401 (not logged in), 409 `too_many_cards`, 422
   * `card_blocked` / `card_refused`, 429, 503. The card is saved with the
   * `providerId` this helper was created with, if any (a store with several
   * Click services requires one: 409 `provider_required`). `temporary`: a card
   * for one payment, never listed, spent by `payWithSavedCard`.
   */
  saveCard(cardNumber: string, expireDate: string, cardOptions?: { temporary?: boolean }): Promise<{ card_token: string; phone_number: string }>
  /**
   * The SMS code: the card is saved as the customer's payment method. Throws
   * 404 `card_request_not_found`, 422 `sms_code_wrong` or `sms_code_expired`
   * (add the card again), 429 `too_many_attempts`.
   */
  verifyCard(cardToken: string, smsCode: string): Promise<ClickSavedCard>
  /** The customer's saved cards, masked. */
  listSavedCards(): Promise<ClickSavedCard[]>
  /** Deletes the card at Click, then here. Throws 404 `card_not_found` for a card that is not the customer's. */
  deleteSavedCard(id: string): Promise<{ id: string; object: "click_saved_card"; deleted: true }>
  /**
   * Pays the customer's cart with a saved card: creates the cart's Click
   * session (as the customer), then asks the backend to debit the card. The
   * backend places the order itself: follow with `waitForOrder`. Throws with
   * the backend's `code` on `body`: 401 (not logged in), 404 `card_not_found`
   * / `cart_not_found`, 409 `cart_paid`, `click_payment_in_progress`,
   * `no_click_session`, `amount_changed`, `cart_not_payable`,
   * `card_of_another_service`, 422 `insufficient_funds`, `card_blocked`,
   * `card_refused`, `card_payment_failed` (nothing was taken: the cart stays
   * payable), 503 `click_unavailable`.
   */
  payWithSavedCard(cartId: string, paymentMethodId: string): Promise<ClickCardPayment>
  /** What Click's callbacks recorded for the cart, and its invoice, read once. */
  status(cartId: string): Promise<ClickCartPayment>
  /**
   * Reads the status until it is final: `paid` (with the order), `cancelled`
   * (the cart is payable again), `refund_pending` or `refunded`; or, paying by
   * phone, until the invoice is `cancelled` with nothing paid. The shopper's
   * return from Click proves nothing by itself, so the return page waits here.
   */
  waitForOrder(cartId: string, options?: WaitForOrderOptions): Promise<ClickCartPayment>
}

export function createClickCheckout(options: ClickCheckoutOptions): ClickCheckout {
  const backendUrl = options.backendUrl.replace(/\/+$/, "")
  const providerId = options.providerId ?? "pp_click_click"
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const finalStatuses: readonly ClickCartStatus[] = ["paid", "cancelled", "refund_pending", "refunded"]
  const cartStatuses: readonly ClickCartStatus[] = ["awaiting_payment", "processing", ...finalStatuses]
  const invoiceStatuses: readonly ClickCartInvoice["status"][] = ["waiting", "paid", "cancelled", "unknown"]

  // The backend's answers are read field by field, each shape by one reader below: a field
  // missing or of another type is named in the error, never handed on as something it is not.
  function fieldsOf(value: unknown, what: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error(`The backend answered no ${what}.`)
    return Object.fromEntries(Object.entries(value))
  }
  function textOf(fields: Record<string, unknown>, key: string, what: string): string {
    const value = fields[key]
    if (typeof value !== "string") throw new Error(`The backend's ${what} has no ${key}.`)
    return value
  }
  function optionOf<T extends string>(allowed: readonly T[], value: unknown, what: string): T {
    const option = allowed.find((known) => known === value)
    if (option === undefined) throw new Error(`The backend's ${what} is ${JSON.stringify(value)}, not one of ${allowed.join(", ")}.`)
    return option
  }
  function nullableOf<T>(value: unknown, is: (present: unknown) => present is T, what: string): T | null {
    if (value === null || value === undefined) return null
    if (!is(value)) throw new Error(`The backend's ${what} is ${JSON.stringify(value)}.`)
    return value
  }
  const isText = (value: unknown): value is string => typeof value === "string"
  const isNumber = (value: unknown): value is number => typeof value === "number"
  function invoiceOf(value: unknown): ClickCartInvoice {
    const fields = fieldsOf(value, "invoice")
    return {
      ...fields,
      invoice_id: textOf(fields, "invoice_id", "invoice"),
      phone: textOf(fields, "phone", "invoice"),
      status: optionOf(invoiceStatuses, fields.status, "invoice status"),
      created_at: textOf(fields, "created_at", "invoice"),
    }
  }
  function cartPaymentOf(value: unknown): ClickCartPayment {
    const fields = fieldsOf(value, "cart payment status")
    return {
      ...fields,
      cart_id: textOf(fields, "cart_id", "cart payment status"),
      status: optionOf(cartStatuses, fields.status, "cart status"),
      order_id: nullableOf(fields.order_id, isText, "order_id"),
      order_display_id: nullableOf(fields.order_display_id, isNumber, "order_display_id"),
      invoice: fields.invoice === null || fields.invoice === undefined ? null : invoiceOf(fields.invoice),
    }
  }
  function savedCardOf(value: unknown): ClickSavedCard {
    const fields = fieldsOf(value, "saved card")
    return {
      ...fields,
      id: textOf(fields, "id", "saved card"),
      provider_id: textOf(fields, "provider_id", "saved card"),
      card_number: textOf(fields, "card_number", "saved card"),
      saved_at: nullableOf(fields.saved_at, isText, "saved_at"),
    }
  }

  /** `asCustomer`: the customer's token, else the browser's cookies (a Medusa session). */
  async function request(method: string, path: string, body?: unknown, asCustomer = false) {
    const headers: Record<string, string> = { "x-publishable-api-key": options.publishableKey }
    if (body !== undefined) headers["content-type"] = "application/json"
    const token = typeof options.customerToken === "function" ? options.customerToken() : options.customerToken
    if (asCustomer && token) headers.authorization = `Bearer ${token}`
    const response = await doFetch(backendUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      ...(asCustomer && !token ? { credentials: "include" as const } : {}),
    })
    const text = await response.text()
    let json: unknown = null
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
    if (!response.ok) {
      const refusal = typeof json === "object" && json !== null && !Array.isArray(json) ? fieldsOf(json, "refusal") : {}
      const message = typeof refusal.message === "string" ? refusal.message : text.slice(0, 200)
      throw Object.assign(new Error(`${method} ${path} answered ${response.status}: ${message}`), {
        status: response.status,
        body: json,
      })
    }
    return json
  }

  async function status(cartId: string): Promise<ClickCartPayment> {
    return cartPaymentOf(await request("GET", `/store/click/carts/${encodeURIComponent(cartId)}`))
  }

  async function startPayment(cartId: string, asCustomer = false) {
    // Medusa answers with the cart's existing collection when it has one.
    const created = fieldsOf(await request("POST", "/store/payment-collections", { cart_id: cartId }, asCustomer), "payment collection")
    const collectionId = textOf(fieldsOf(created.payment_collection, "payment collection"), "id", "payment collection")
    const result = fieldsOf(
      await request("POST", `/store/payment-collections/${encodeURIComponent(collectionId)}/payment-sessions`, { provider_id: providerId }, asCustomer),
      "payment collection"
    )
    const listed = fieldsOf(result.payment_collection, "payment collection").payment_sessions
    const sessions = Array.isArray(listed) ? listed.map((session: unknown) => fieldsOf(session, "payment session")) : []
    const session = sessions.find((s) => s.provider_id === providerId)
    const data = session && typeof session.data === "object" && session.data !== null ? fieldsOf(session.data, "session data") : {}
    if (!session || typeof data.payment_url !== "string") {
      throw new Error(`The backend created no ${providerId} payment session for cart ${cartId}.`)
    }
    return { paymentUrl: data.payment_url, paymentSessionId: textOf(session, "id", "payment session") }
  }

  const cardsPath = "/store/click/cards"
  return {
    startPayment: (cartId) => startPayment(cartId),
    async payByPhone(cartId, phone) {
      // The invoice is for the cart's current Click session, with what it owes now.
      await startPayment(cartId)
      const answer = await request("POST", `/store/click/carts/${encodeURIComponent(cartId)}/invoice`, { phone })
      return invoiceOf(fieldsOf(answer, "invoice").invoice)
    },
    async saveCard(cardNumber, expireDate, cardOptions = {}) {
      const answer = await request(
        "POST",
        cardsPath,
        {
          card_number: cardNumber,
          expire_date: expireDate,
          ...(cardOptions.temporary ? { temporary: true } : {}),
          ...(options.providerId ? { provider_id: options.providerId } : {}),
        },
        true
      )
      const requested = fieldsOf(answer, "card token")
      return { ...requested, card_token: textOf(requested, "card_token", "card token"), phone_number: textOf(requested, "phone_number", "card token") }
    },
    async verifyCard(cardToken, smsCode) {
      const answer = await request("POST", `${cardsPath}/${encodeURIComponent(cardToken)}/verify`, { sms_code: smsCode }, true)
      return savedCardOf(fieldsOf(answer, "saved card").card)
    },
    async listSavedCards() {
      const { cards } = fieldsOf(await request("GET", cardsPath, undefined, true), "saved cards")
      if (!Array.isArray(cards)) throw new Error("The backend answered no list of saved cards.")
      return cards.map(savedCardOf)
    },
    async deleteSavedCard(id) {
      const deleted = fieldsOf(await request("DELETE", `${cardsPath}/${encodeURIComponent(id)}`, undefined, true), "deleted card")
      if (deleted.object !== "click_saved_card" || deleted.deleted !== true) throw new Error(`The backend did not confirm deleting card ${id}.`)
      return { ...deleted, id: textOf(deleted, "id", "deleted card"), object: "click_saved_card", deleted: true }
    },
    async payWithSavedCard(cartId, paymentMethodId) {
      // The debit is for the cart's current Click session; as the customer, whose cart and card it must be.
      await startPayment(cartId, true)
      const answer = await request(
        "POST",
        `/store/click/carts/${encodeURIComponent(cartId)}/card-payment`,
        { payment_method_id: paymentMethodId },
        true
      )
      const payment = fieldsOf(fieldsOf(answer, "card payment").card_payment, "card payment")
      return { ...payment, status: optionOf(["debited", "processing"] as const, payment.status, "card payment status") }
    },
    status,
    async waitForOrder(cartId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 120_000)
      const intervalMs = waitOptions.intervalMs ?? 1_000
      for (;;) {
        const payment = await status(cartId)
        waitOptions.onStatus?.(payment)
        // An invoice cancelled (or expired) while nothing was paid: the cart is payable again.
        const invoiceGone = payment.status === "awaiting_payment" && payment.invoice?.status === "cancelled"
        if (finalStatuses.includes(payment.status) || invoiceGone || Date.now() + intervalMs > deadline) {
          return payment
        }
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, intervalMs)
          waitOptions.signal?.addEventListener("abort", () => {
            clearTimeout(timer)
            reject(waitOptions.signal!.reason ?? new Error("aborted"))
          })
        })
      }
    },
  }
}
