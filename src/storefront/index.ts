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

/** The answer of `GET /store/click/carts/:id`. */
export interface ClickCartPayment {
  cart_id: string
  status: ClickCartStatus
  order_id: string | null
  order_display_id: number | null
}

export interface ClickCheckoutOptions {
  /** The Medusa backend, e.g. `https://api.shop.uz`. */
  backendUrl: string
  /** A publishable API key of the cart's sales channel. */
  publishableKey: string
  /** The Click provider's id in Medusa: `pp_<provider id>_<config id>`. */
  providerId?: string
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
  /** What Click's callbacks recorded for the cart, read once. */
  status(cartId: string): Promise<ClickCartPayment>
  /**
   * Reads the status until it is final: `paid` (with the order), `cancelled`
   * (the cart is payable again), `refund_pending` or `refunded`. The shopper's
   * return from Click proves nothing by itself, so the return page waits here.
   */
  waitForOrder(cartId: string, options?: WaitForOrderOptions): Promise<ClickCartPayment>
}

export function createClickCheckout(options: ClickCheckoutOptions): ClickCheckout {
  const backendUrl = options.backendUrl.replace(/\/+$/, "")
  const providerId = options.providerId ?? "pp_click_click"
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  const finalStatuses = ["paid", "cancelled", "refund_pending", "refunded"]

  async function request(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { "x-publishable-api-key": options.publishableKey }
    if (body !== undefined) headers["content-type"] = "application/json"
    const response = await doFetch(backendUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await response.text()
    let json: any = null
    try {
      json = JSON.parse(text)
    } catch {
      json = null
    }
    if (!response.ok) {
      const message = json && typeof json.message === "string" ? json.message : text.slice(0, 200)
      throw Object.assign(new Error(`${method} ${path} answered ${response.status}: ${message}`), {
        status: response.status,
        body: json,
      })
    }
    return json
  }

  async function status(cartId: string): Promise<ClickCartPayment> {
    return request("GET", `/store/click/carts/${encodeURIComponent(cartId)}`)
  }

  return {
    async startPayment(cartId) {
      // Medusa answers with the cart's existing collection when it has one.
      const { payment_collection } = await request("POST", "/store/payment-collections", { cart_id: cartId })
      const result = await request(
        "POST",
        `/store/payment-collections/${encodeURIComponent(payment_collection.id)}/payment-sessions`,
        { provider_id: providerId }
      )
      const sessions: any[] = result.payment_collection.payment_sessions ?? []
      const session = sessions.find((s) => s.provider_id === providerId)
      if (!session || typeof session.data?.payment_url !== "string") {
        throw new Error(`The backend created no ${providerId} payment session for cart ${cartId}.`)
      }
      return { paymentUrl: session.data.payment_url, paymentSessionId: session.id }
    },
    status,
    async waitForOrder(cartId, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 120_000)
      const intervalMs = waitOptions.intervalMs ?? 1_000
      for (;;) {
        const payment = await status(cartId)
        waitOptions.onStatus?.(payment)
        if (finalStatuses.includes(payment.status) || Date.now() + intervalMs > deadline) {
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
