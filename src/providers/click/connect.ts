import { CLICK_MERCHANT_API_URL, ClickMerchantCardsClient, parseSoumsToTiyin, verifyClickCallback } from "../../click"
import { DEFAULT_REQUEST_GUARD } from "../../lib/request-guard"
import { signConfirmation } from "./confirmation"
import { connectClickServiceOnce, type ClickMerchantGateway, type ClickServiceConnection } from "./merchant-gateway"
import { clickLogger } from "../../lib/logger"
import { unverifiedPaymentsWarning, type ClickOptions } from "./options"
import { SandboxClick } from "./sandbox-click"
import { recordInDoubleAt, sandboxMerchantApi } from "./sandbox-merchant-api"

/**
 * Connects this process to a Click service once: the Merchant API client (or,
 * in sandbox mode, the local double), the gateway the jobs use, and the
 * sandbox's Click side, and the HTTP defences of the Click routes. Called at boot from the provider's validateOptions,
 * because Medusa builds provider instances only when a payment first needs
 * one: a process that restarts with payments to reverse or reconcile must not
 * wait for a shopper's request to find its credentials. The constructor's call
 * gets the same gateway; a second configuration of the same service_id with
 * other options stops the boot (merchant-gateway.ts, ClickServiceRegistry).
 */
export function connectClickService(config: ClickOptions): ClickMerchantGateway {
  const guardOptions = {
    ...DEFAULT_REQUEST_GUARD,
    allowedIps: config.allowedIps,
    trustProxy: config.trustProxy,
    unsignedCallbacksPerMinute: config.unsignedCallbacksPerMinute,
    statusRequestsPerMinute: config.statusRequestsPerMinute,
    sandboxPublic: config.sandboxPublic,
  }
  return connectClickServiceOnce(config, guardOptions, () => connectionOf(config))
}

function connectionOf(config: ClickOptions): ClickServiceConnection {
  const credentials = {
    serviceId: config.serviceId,
    merchantUserId: config.merchantUserId,
    secretKey: config.secretKey,
    timeoutMs: config.merchantApiTimeoutMs,
  }
  const client = (baseUrl: string) => new ClickMerchantCardsClient({ ...credentials, baseUrl })
  let api: ClickMerchantGateway["api"]
  let sandbox: SandboxClick | undefined
  if (config.sandbox) {
    const callbacks = config.callbackBaseUrl.replace(/\/$/, "")
    const callbackUrls = { prepareUrl: `${callbacks}/hooks/click/prepare`, completeUrl: `${callbacks}/hooks/click/complete` }
    const local = sandboxMerchantApi(credentials, callbackUrls)
    api = config.merchantApiUrl ? client(config.merchantApiUrl) : local.api
    sandbox = new SandboxClick({
      serviceId: config.serviceId,
      secretKey: config.secretKey,
      ...callbackUrls,
      // The pay page's debits go to the ledger the backend asks: the local
      // double, or the double at merchantApiUrl (through its control API).
      recordPayment: config.merchantApiUrl
        ? (payment) => recordInDoubleAt(config.merchantApiUrl!, payment)
        : async (payment) => void (await local.double()).registerPayment(payment),
      doubleControlUrl: async () =>
        config.merchantApiUrl ? new URL("/__double/", config.merchantApiUrl).href : (await local.double()).controlUrl,
    })
  } else {
    api = client(config.merchantApiUrl ?? CLICK_MERCHANT_API_URL)
  }
  const gateway: ClickMerchantGateway = {
    serviceId: config.serviceId,
    api,
    verifyCallback: (body, endpoint) => {
      const verification = verifyClickCallback(body, endpoint, {
        serviceId: config.serviceId,
        secretKey: config.secretKey,
        previousSecretKey: config.previousSecretKey,
        previousSecretKeyUntil: config.previousSecretKeyUntil,
        signTimeMaxAgeSec: config.signTimeToleranceSec,
        signTimeMaxFutureSec: config.signTimeFutureSec,
      })
      // Only a verified Complete reporting the debit is stamped: the stamp is what lets Medusa authorize the session.
      const debit = verification.ok && verification.kind === "complete" && verification.request.error === "0" ? verification.request : null
      const amountTiyin = debit ? parseSoumsToTiyin(debit.amount) : null
      return {
        ...verification,
        confirmation:
          debit && amountTiyin !== null
            ? signConfirmation({ cartId: debit.merchant_trans_id, amountTiyin, merchantPrepareId: debit.merchant_prepare_id }, config.secretKey)
            : undefined,
        cancelOfConfirmedAnswer: config.cancelOfConfirmedAnswer,
      }
    },
    confirmationFor: (subject) => signConfirmation(subject, config.secretKey),
    verifyPayments: config.verifyPayments,
    reconcileAfterSec: config.reconcileAfterSec,
    reconcileRules: {
      cancelAnswers: config.reconcileCancelAnswers,
      cancelSpreadSec: config.reconcileCancelSpreadSec,
      inProgressHorizonSec: config.reconcileInProgressHorizonSec,
    },
    fiscalization: config.fiscalization?.enabled ? config.fiscalization : null,
  }
  const warning = unverifiedPaymentsWarning(config)
  if (warning) {
    clickLogger.warn({ service_id: config.serviceId }, warning)
  }
  return { gateway, sandbox }
}
