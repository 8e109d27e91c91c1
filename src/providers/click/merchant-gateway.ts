import { MedusaError } from "@medusajs/framework/utils"
import type { ClickMerchantApiClient, ReconcileRules } from "../../click"
import type { FiscalizationOptions } from "./options"
import type { SandboxClick } from "./sandbox-click"

/**
 * What the rest of the backend may do with a Click service's credentials,
 * without ever holding them: the provider (which alone reads the secret key)
 * registers one gateway per `service_id` when Medusa loads it, and the
 * reversal and reconciliation jobs, which run outside the payment module's
 * container, look it up here. Keyed by service id so that several Click
 * services in one backend stay apart.
 */
export interface ClickMerchantGateway {
  serviceId: string
  /** Merchant API calls, signed with this service's credentials. */
  api: Pick<
    ClickMerchantApiClient,
    | "paymentStatus"
    | "paymentStatusByMerchantTransId"
    | "reversePayment"
    | "partiallyReversePayment"
    | "submitFiscalItems"
    | "fiscalReceipt"
  >
  /** The confirmation stamp for a payment Click reports as paid (see confirmation.ts). */
  confirmationFor(subject: { cartId: string; amountTiyin: string; merchantPrepareId: string }): string
  /** Placement asks Click's Merchant API whether a confirmed payment's money was taken before its order (option verifyPayments). */
  verifyPayments: boolean
  /** A `prepared` payment without its Complete is looked up at Click after this many seconds. */
  reconcileAfterSec: number
  /** When reconciliation may cancel, and when it stops asking (src/click/reconciliation.ts). */
  reconcileRules: ReconcileRules
  /** Fiscal receipts for this service's orders, when enabled. */
  fiscalization: FiscalizationOptions | null
}

const gateways = new Map<string, ClickMerchantGateway>()

export function registerClickMerchantGateway(gateway: ClickMerchantGateway): void {
  gateways.set(gateway.serviceId, gateway)
}

export function hasClickMerchantGateway(serviceId: string): boolean {
  return gateways.has(serviceId)
}

/** The gateway of `serviceId`, or of the only registered service when the payment predates service ids. */
export function clickMerchantGateway(serviceId?: string | null): ClickMerchantGateway {
  const gateway = serviceId ? gateways.get(serviceId) : gateways.size === 1 ? [...gateways.values()][0] : undefined
  if (!gateway) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No Click provider is configured for service_id ${serviceId ?? "(unknown)"}: register medusa-payment-click/providers/click with that serviceId in medusa-config.`
    )
  }
  return gateway
}

let sandbox: SandboxClick | undefined

/** In sandbox mode, the provider plays Click's side for the local pay page. */
export function registerSandboxClick(click: SandboxClick): void {
  sandbox = click
}

/** Click's side for the local pay page, only in sandbox mode. */
export function sandboxClick(): SandboxClick | undefined {
  return sandbox
}
