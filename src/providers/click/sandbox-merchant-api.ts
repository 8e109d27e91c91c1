import { ClickMerchantApiClient } from "../../click"
import { startMerchantApiDouble, type MerchantApiDouble } from "../../sandbox/merchant-api-double"
import type { ClickMerchantGateway } from "./merchant-gateway"

type MerchantApi = ClickMerchantGateway["api"]

/**
 * Sandbox mode without a `merchantApiUrl`: the project's Click Merchant API
 * double runs inside this backend process on a free local port, checks the
 * same Auth header as Click, and keeps the ledger that refunds, reversals and
 * status lookups of sandbox payments use. Started on first use, so that
 * commands which only load the provider (migrations, seeds) start nothing.
 */
export function sandboxMerchantApi(credentials: {
  serviceId: string
  merchantUserId: string
  secretKey: string
  timeoutMs: number
}): { api: MerchantApi; double: () => Promise<MerchantApiDouble> } {
  let started: Promise<{ double: MerchantApiDouble; client: ClickMerchantApiClient }> | undefined
  const start = () =>
    (started ??= startMerchantApiDouble({ ...credentials, unref: true }).then((double) => ({
      double,
      client: new ClickMerchantApiClient({ ...credentials, baseUrl: double.url }),
    })))
  const api: MerchantApi = {
    paymentStatus: async (...args) => (await start()).client.paymentStatus(...args),
    paymentStatusByMerchantTransId: async (...args) => (await start()).client.paymentStatusByMerchantTransId(...args),
    reversePayment: async (...args) => (await start()).client.reversePayment(...args),
    partiallyReversePayment: async (...args) => (await start()).client.partiallyReversePayment(...args),
    submitFiscalItems: async (...args) => (await start()).client.submitFiscalItems(...args),
    fiscalReceipt: async (...args) => (await start()).client.fiscalReceipt(...args),
  }
  return { api, double: async () => (await start()).double }
}
