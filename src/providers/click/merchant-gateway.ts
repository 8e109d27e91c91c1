import { isDeepStrictEqual } from "node:util"
import { MedusaError } from "@medusajs/framework/utils"
import { DEFAULT_REQUEST_GUARD, RequestGuard, sameRequestGuardOptions, type RequestGuardOptions } from "../../lib/request-guard"
import { namedServiceId, type CallbackKind, type CallbackVerification, type ClickMerchantCardsClient, type ParsedCallback, type ReconcileRules } from "../../click"
import type { ConfirmationSubject } from "./confirmation"
import type { ClickOptions, FiscalizationOptions } from "./options"
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
 * which the app's routes, jobs and subscribers cannot resolve from; the
 * registry below (ClickServiceRegistry) is the one place where the two meet.
 * It is keyed by `service_id`, so several Click services in one backend stay apart.
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

/** What one Click service registers when its provider is loaded (connect.ts). */
export interface ClickServiceConnection {
  gateway: ClickMerchantGateway
  /** Sandbox mode only: Click's side for the local pay page. */
  sandbox?: SandboxClick
}

/**
 * The Click services this process serves, by `service_id`, and the one set of
 * HTTP defences their shared routes use. Why a process-wide registry and not
 * Medusa's container: docs/ARCHITECTURE.md, "Why a registry and not the
 * container". Its rules keep it from being a "last one wins" global: a
 * `service_id` is connected once, with one set of options, for the life of
 * the process (a key rotation is a restart with the new key); nothing answers
 * for a service that is not registered; and the request guard is made once.
 */
class ClickServiceRegistry {
  private readonly services = new Map<string, { options: ClickOptions; connection: ClickServiceConnection }>()
  private requestGuard: { configuredBy: string; guard: RequestGuard } | undefined
  private unconfiguredGuard: RequestGuard | undefined

  /**
   * Connects `options.serviceId` (`connect` builds its gateway, only the first
   * time) and returns its gateway. Medusa loads a provider's options more than
   * once (validateOptions at boot, the constructor at first use): the same
   * options get the same gateway; other options for a connected service_id are
   * a configuration error, refused before anything of theirs is built.
   */
  connect(options: ClickOptions, guardOptions: RequestGuardOptions, connect: () => ClickServiceConnection): ClickMerchantGateway {
    const registered = this.services.get(options.serviceId)
    if (registered) {
      const differing = differingOptions(registered.options, options)
      if (differing.length) {
        throw new MedusaError(
          MedusaError.Types.INVALID_DATA,
          `Click service_id ${options.serviceId} is configured twice in this process with different options (${differing.join(", ")}): ` +
            "give each service_id one entry among the Click providers in medusa-config. To rotate its secret key, restart the backend with the new key " +
            "(previousSecretKey and previousSecretKeyUntil keep the old one valid for callbacks signed before the switch)."
        )
      }
      return registered.connection.gateway
    }
    const guard = this.requestGuard
    if (guard && !sameRequestGuardOptions(guard.guard.options, guardOptions)) {
      throw new MedusaError(
        MedusaError.Types.INVALID_DATA,
        `Click services ${guard.configuredBy} and ${options.serviceId} set different HTTP defences for the shared Click routes ` +
          "(allowedIps, trustProxy, unsignedCallbacksPerMinute, statusRequestsPerMinute, sandboxPublic): give every Click provider in medusa-config the same values."
      )
    }
    const connection = connect()
    this.services.set(options.serviceId, { options, connection })
    this.requestGuard ??= { configuredBy: options.serviceId, guard: new RequestGuard(guardOptions) }
    return connection.gateway
  }

  gateway(serviceId: string): ClickMerchantGateway | undefined {
    return this.services.get(serviceId)?.connection.gateway
  }

  gateways(): ClickMerchantGateway[] {
    return [...this.services.values()].map(({ connection }) => connection.gateway)
  }

  /** The only service's gateway; none when there are several (or none). */
  onlyGateway(): ClickMerchantGateway | undefined {
    return this.services.size === 1 ? this.gateways()[0] : undefined
  }

  sandboxes(): SandboxClick[] {
    return [...this.services.values()].flatMap(({ connection }) => (connection.sandbox ? [connection.sandbox] : []))
  }

  sandbox(serviceId: string): SandboxClick | undefined {
    return this.services.get(serviceId)?.connection.sandbox
  }

  /** Without a Click provider loaded the routes serve no service; the defaults guard them meanwhile, and bind no provider. */
  guard(): RequestGuard {
    return this.requestGuard?.guard ?? (this.unconfiguredGuard ??= new RequestGuard(DEFAULT_REQUEST_GUARD))
  }
}

/** The names (never the values: they include secrets) of the options two configurations of one service disagree on. */
function differingOptions(registered: ClickOptions, given: ClickOptions): string[] {
  const names = new Set([...Object.keys(registered), ...Object.keys(given)] as (keyof ClickOptions)[])
  return [...names].filter((name) => !isDeepStrictEqual(registered[name], given[name])).sort()
}

const clickServices = new ClickServiceRegistry()

/** Connects a Click service once per process (connect.ts), with the rules of ClickServiceRegistry. */
export function connectClickServiceOnce(
  options: ClickOptions,
  guardOptions: RequestGuardOptions,
  connect: () => ClickServiceConnection
): ClickMerchantGateway {
  return clickServices.connect(options, guardOptions, connect)
}

/** The gateway of `serviceId`, or of the only registered service when the payment predates service ids. */
export function clickMerchantGateway(serviceId?: string | null): ClickMerchantGateway {
  const gateway = serviceId ? clickServices.gateway(serviceId) : clickServices.onlyGateway()
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
  return clickServices.gateways()
}

/**
 * Whether a payment (a session, an attempt) recorded with `recordedServiceId`
 * belongs to the service a verified callback names: a callback signed for one
 * service never moves a payment of another. A record older than service ids
 * belongs to the only service of a single-service backend, and to none when
 * there are several (fail closed).
 */
export function isPaymentOfService(recordedServiceId: string | null | undefined, serviceId: string): boolean {
  const owner = recordedServiceId || clickServices.onlyGateway()?.serviceId
  return owner === serviceId
}

/**
 * The gateway that verifies a callback naming `serviceId`, or none when this
 * backend does not serve that service: no other service's secret answers for
 * it (the route answers Click's -8, src/click/verify-callback.ts
 * `refuseUnknownService`).
 */
export function clickGatewayForCallback(serviceId: unknown): ClickMerchantGateway | undefined {
  const named = namedServiceId(serviceId)
  return named === undefined ? undefined : clickServices.gateway(named)
}

/** Whether some Click service of this backend is in sandbox mode (the sandbox's demo shop serves all of them). */
export function hasSandboxClick(): boolean {
  return clickServices.sandboxes().length > 0
}

/** Click's side for the local pay page of `serviceId` (without one: of the only sandbox service), only in sandbox mode. */
export function sandboxClick(serviceId?: string): SandboxClick | undefined {
  if (serviceId) return clickServices.sandbox(serviceId)
  const sandboxes = clickServices.sandboxes()
  return sandboxes.length === 1 ? sandboxes[0] : undefined
}

/**
 * The HTTP defences of the Click routes (lib/request-guard.ts). The routes are
 * shared by every Click service of the backend and the allow-list is checked
 * before a body names a service, so there is one guard, made by the first
 * Click provider loaded; every other one must ask for the same defences or the
 * backend does not boot (ClickServiceRegistry.connect).
 */
export function clickRequestGuard(): RequestGuard {
  return clickServices.guard()
}
