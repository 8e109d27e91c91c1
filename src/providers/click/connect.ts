import { CLICK_MERCHANT_API_URL, ClickMerchantApiClient } from "../../click"
import { configureRequestGuard, DEFAULT_REQUEST_GUARD } from "../../lib/request-guard"
import { signConfirmation } from "./confirmation"
import { clickMerchantGateway, hasClickMerchantGateway, registerClickMerchantGateway, registerSandboxClick, type ClickMerchantGateway } from "./merchant-gateway"
import type { ClickOptions } from "./options"
import { SandboxClick } from "./sandbox-click"
import { sandboxMerchantApi } from "./sandbox-merchant-api"

/**
 * Connects this process to a Click service once: the Merchant API client (or,
 * in sandbox mode, the local double), the gateway the jobs use, and the
 * sandbox's Click side, and the HTTP defences of the Click routes. Called at boot from the provider's validateOptions,
 * because Medusa builds provider instances only when a payment first needs
 * one: a process that restarts with payments to reverse or reconcile must not
 * wait for a shopper's request to find its credentials.
 */
export function connectClickService(config: ClickOptions): ClickMerchantGateway {
  if (hasClickMerchantGateway(config.serviceId)) {
    return clickMerchantGateway(config.serviceId)
  }
  configureRequestGuard({
    ...DEFAULT_REQUEST_GUARD,
    allowedIps: config.allowedIps,
    trustProxy: config.trustProxy,
    unsignedCallbacksPerMinute: config.unsignedCallbacksPerMinute,
    statusRequestsPerMinute: config.statusRequestsPerMinute,
    sandboxPublic: config.sandboxPublic,
  })
  const credentials = {
    serviceId: config.serviceId,
    merchantUserId: config.merchantUserId,
    secretKey: config.secretKey,
    timeoutMs: config.merchantApiTimeoutMs,
  }
  const client = (baseUrl: string) => new ClickMerchantApiClient({ ...credentials, baseUrl })
  let api: ClickMerchantGateway["api"]
  if (config.sandbox) {
    const local = sandboxMerchantApi(credentials)
    api = config.merchantApiUrl ? client(config.merchantApiUrl) : local.api
    const callbacks = config.callbackBaseUrl.replace(/\/$/, "")
    registerSandboxClick(
      new SandboxClick({
        serviceId: config.serviceId,
        secretKey: config.secretKey,
        prepareUrl: `${callbacks}/hooks/click/prepare`,
        completeUrl: `${callbacks}/hooks/click/complete`,
        double: local.double,
      })
    )
  } else {
    api = client(config.merchantApiUrl ?? CLICK_MERCHANT_API_URL)
  }
  const gateway: ClickMerchantGateway = {
    serviceId: config.serviceId,
    api,
    confirmationFor: (subject) => signConfirmation(subject, config.secretKey),
    reconcileAfterSec: config.reconcileAfterSec,
    fiscalization: config.fiscalization?.enabled ? config.fiscalization : null,
  }
  registerClickMerchantGateway(gateway)
  return gateway
}
