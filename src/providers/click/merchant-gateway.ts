import { MedusaError } from "@medusajs/framework/utils"
import { DEFAULT_REQUEST_GUARD, RequestGuard, sameRequestGuardOptions, type RequestGuardOptions } from "../../lib/request-guard"
import type { CallbackKind, CallbackVerification, ClickMerchantCardsClient, ParsedCallback, ReconcileRules } from "../../click"
import type { ConfirmationSubject } from "./confirmation"
import type { FiscalizationOptions } from "./options"
import type { SandboxClick } from "./sandbox-click"

/** A callback verified with a service's secret, with what its handlers need from that service's options. */
export type ClickCallbackVerification = CallbackVerification & {
  /** The confirmation stamp of a verified Complete that reports a debit (error=0), see confirmation.ts. */
  confirmation?: string
  /** What a cancel of an already confirmed payment hears (option cancelOfConfirmedAnswer). */
  cancelOfConfirmedAnswer: -4 | -9
}

/** A `kind` callback (Prepare or Complete) its service's gateway verified: what that endpoint's handler is given. */
export type VerifiedClickCallback<K extends CallbackKind = CallbackKind> = Extract<ClickCallbackVerification, { ok: true; kind: K }>

/** A correctly signed `kind` callback whose sign_time is stale (see verify-callback.ts): answered from the stored state only. */
export type LateClickCallback<K extends CallbackKind = CallbackKind> = Extract<ParsedCallback, { kind: K }> &
  Pick<ClickCallbackVerification, "cancelOfConfirmedAnswer">

/**
 * What the rest of the backend may do with a Click service's credentials,
 * without ever holding them: verify its callbacks, stamp its debits, call its
 * Merchant API. The provider (which alone reads the secret key) registers one
 * gateway per `service_id` when Medusa loads it.
 *
 * Medusa builds a payment provider inside the payment module's own container,
 * which the app's routes, jobs and subscribers cannot resolve from; this
 * registry is the one place where the two meet. It is keyed by `service_id`,
 * so several Click services in one backend stay apart.
 */
export interface ClickMerchantGateway {
  serviceId: string
  /** Merchant API calls, signed with this service's credentials. */
  api: Pick<
    ClickMerchantCardsClient,
    | "paymentStatus"
    | "paymentStatusByMerchantTransId"
    | "reversePayment"
    | "partiallyReversePayment"
    | "submitFiscalItems"
    | "fiscalReceipt"
    | "createInvoice"
    | "invoiceStatus"
    | "requestCardToken"
    | "verifyCardToken"
    | "payWithCardToken"
    | "deleteCardToken"
  >
  /** A Prepare or Complete body checked with this service's secret(s), id and sign_time window (src/click/verify-callback.ts). */
  verifyCallback(body: unknown, endpoint: CallbackKind): ClickCallbackVerification
  /** The confirmation stamp for a payment Click reports as paid (see confirmation.ts). */
  confirmationFor(subject: ConfirmationSubject): string
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
const sandboxes = new Map<string, SandboxClick>()
let requestGuard = { configuredBy: undefined as string | undefined, guard: new RequestGuard(DEFAULT_REQUEST_GUARD) }

export function registerClickMerchantGateway(gateway: ClickMerchantGateway): void {
  gateways.set(gateway.serviceId, gateway)
}

export function hasClickMerchantGateway(serviceId: string): boolean {
  return gateways.has(serviceId)
}

/** The gateway of `serviceId`, or of the only registered service when the payment predates service ids. */
export function clickMerchantGateway(serviceId?: string | null): ClickMerchantGateway {
  const gateway = serviceId ? gateways.get(serviceId) : onlyOne(gateways)
  if (!gateway) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      `No Click provider is configured for service_id ${serviceId ?? "(unknown)"}: register medusa-payment-click/providers/click with that serviceId in medusa-config.`
    )
  }
  return gateway
}

/** Every registered Click service's gateway: jobs whose timings are per service run once for each. */
export function clickMerchantGateways(): ClickMerchantGateway[] {
  return [...gateways.values()]
}

/**
 * Whether a payment (a session, an attempt) recorded with `recordedServiceId`
 * belongs to the service a verified callback names: a callback signed for one
 * service never moves a payment of another. A record older than service ids
 * belongs to the only service of a single-service backend, and to none when
 * there are several (fail closed).
 */
export function isPaymentOfService(recordedServiceId: string | null | undefined, serviceId: string): boolean {
  const owner = recordedServiceId || onlyOne(gateways)?.serviceId
  return owner === serviceId
}

/**
 * The gateway that verifies a callback naming `serviceId`. A callback naming
 * no service of ours is verified by the first one registered, whose secret
 * and service id refuse it exactly as a backend with one service does (-1, or
 * -8 for a foreign service_id): no secret answers for a service it is not.
 */
export function clickGatewayForCallback(serviceId: unknown): ClickMerchantGateway {
  const gateway = (typeof serviceId === "string" ? gateways.get(serviceId) : undefined) ?? gateways.values().next().value
  if (!gateway) {
    throw new MedusaError(
      MedusaError.Types.NOT_FOUND,
      "No Click provider is configured: register medusa-payment-click/providers/click in medusa-config."
    )
  }
  return gateway
}

/** In sandbox mode, the provider plays Click's side for the local pay page of its service. */
export function registerSandboxClick(click: SandboxClick): void {
  sandboxes.set(click.serviceId, click)
}

/** Whether some Click service of this backend is in sandbox mode (the sandbox's demo shop serves all of them). */
export function hasSandboxClick(): boolean {
  return sandboxes.size > 0
}

/** Click's side for the local pay page of `serviceId` (without one: of the only sandbox service), only in sandbox mode. */
export function sandboxClick(serviceId?: string): SandboxClick | undefined {
  return serviceId ? sandboxes.get(serviceId) : onlyOne(sandboxes)
}

function onlyOne<T>(map: Map<string, T>): T | undefined {
  return map.size === 1 ? map.values().next().value : undefined
}

/**
 * Set by each Click provider when Medusa loads it. The Click routes are shared
 * by every Click service of the backend (the allow-list is checked before the
 * body names a service), so their HTTP defences are one set: a second service
 * that asks for different ones is a configuration error, not a silent override.
 */
export function registerClickRequestGuard(serviceId: string, options: RequestGuardOptions): void {
  const { configuredBy, guard } = requestGuard
  if (configuredBy !== undefined && configuredBy !== serviceId && !sameRequestGuardOptions(guard.options, options)) {
    throw new Error(
      `Click services ${configuredBy} and ${serviceId} set different HTTP defences for the shared Click routes ` +
        "(allowedIps, trustProxy, unsignedCallbacksPerMinute, statusRequestsPerMinute, sandboxPublic): give every Click provider in medusa-config the same values."
    )
  }
  requestGuard = { configuredBy: serviceId, guard: new RequestGuard(options) }
}

/** The HTTP defences of the Click routes (lib/request-guard.ts), as the Click providers set them. */
export function clickRequestGuard(): RequestGuard {
  return requestGuard.guard
}
