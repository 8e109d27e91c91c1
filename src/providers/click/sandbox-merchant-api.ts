import { ClickMerchantCardsClient } from "../../click"
import { clickLogger } from "../../lib/logger"
import { startMerchantApiDouble, type MerchantApiDouble } from "../../sandbox/merchant-api-double"
import type { PaymentRegistration } from "../../sandbox/merchant-api-ledger"
import type { ClickMerchantGateway } from "./merchant-gateway"

type MerchantApi = ClickMerchantGateway["api"]

/**
 * Sandbox mode without a `merchantApiUrl`: the project's Click Merchant API
 * double runs inside this backend process on a free local port, checks the
 * same Auth header as Click, and keeps the ledger that refunds, reversals and
 * status lookups of sandbox payments use. Started on first use, so that
 * commands which only load the provider (migrations, seeds) start nothing.
 */
export function sandboxMerchantApi(
  credentials: {
    serviceId: string
    merchantUserId: string
    secretKey: string
    timeoutMs: number
  },
  /** This backend's Prepare and Complete URLs: where the double's paid invoices call. */
  callbackUrls: { prepareUrl: string; completeUrl: string }
): { api: MerchantApi; double: () => Promise<MerchantApiDouble> } {
  let started: Promise<{ double: MerchantApiDouble; client: ClickMerchantCardsClient }> | undefined
  const start = () =>
    (started ??= startMerchantApiDouble({ ...credentials, callbackUrls, unref: true }).then((double) => {
      // Its port is free, not fixed: the log is where a storefront developer finds the sandbox controls (README "Sandbox controls").
      clickLogger.info({ service_id: credentials.serviceId, sandbox_controls: double.controlUrl }, "Click sandbox: the Merchant API double is running")
      return { double, client: new ClickMerchantCardsClient({ ...credentials, baseUrl: double.url }) }
    }))
  const api: MerchantApi = {
    paymentStatus: async (...args) => (await start()).client.paymentStatus(...args),
    paymentStatusByMerchantTransId: async (...args) => (await start()).client.paymentStatusByMerchantTransId(...args),
    reversePayment: async (...args) => (await start()).client.reversePayment(...args),
    partiallyReversePayment: async (...args) => (await start()).client.partiallyReversePayment(...args),
    submitFiscalItems: async (...args) => (await start()).client.submitFiscalItems(...args),
    fiscalReceipt: async (...args) => (await start()).client.fiscalReceipt(...args),
    createInvoice: async (...args) => (await start()).client.createInvoice(...args),
    invoiceStatus: async (...args) => (await start()).client.invoiceStatus(...args),
    requestCardToken: async (...args) => (await start()).client.requestCardToken(...args),
    verifyCardToken: async (...args) => (await start()).client.verifyCardToken(...args),
    payWithCardToken: async (...args) => (await start()).client.payWithCardToken(...args),
    deleteCardToken: async (...args) => (await start()).client.deleteCardToken(...args),
  }
  return { api, double: async () => (await start()).double }
}

/**
 * Sandbox mode with a `merchantApiUrl`: that URL must be the project's double
 * (sandbox mode refuses Click's real hosts), and the pay page records its
 * payments in its ledger through the double's control API. A payment it
 * already holds (the same payment_id) is fine.
 */
export async function recordInDoubleAt(merchantApiUrl: string, payment: PaymentRegistration): Promise<void> {
  const response = await fetch(new URL("/__double/payments", merchantApiUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(payment),
    signal: AbortSignal.timeout(10_000),
  })
  if (!response.ok && response.status !== 409) {
    throw new Error(
      `The sandbox could not record its payment at the Merchant API double ${new URL(merchantApiUrl).origin} (HTTP ${response.status}): in sandbox mode, CLICK_MERCHANT_API_URL must be the project's double, or unset`
    )
  }
}
