import type { ZodError } from "zod"
import { ClickErrorCode, type ClickErrorCodeValue } from "./errors"
import {
  completeRequestSchema,
  prepareRequestSchema,
  type CompleteRequest,
  type PrepareRequest,
} from "./schemas"
import { checkSignTime } from "./sign-time"
import { verifyCompleteSignature, verifyPrepareSignature } from "./signature"

export type CallbackKind = "prepare" | "complete"

export interface CallbackVerificationConfig {
  serviceId: string
  secretKey: string
  signTimeMaxAgeSec: number
  signTimeMaxFutureSec: number
  /**
   * Key rotation: the key being replaced still signs valid callbacks until
   * `previousSecretKeyUntil`, so Click's switch and the merchant's deploy need
   * not happen at the same instant.
   */
  previousSecretKey?: string
  previousSecretKeyUntil?: Date
}

/** The secret keys that sign a valid callback at `now`: the current one, and the previous one within its window. */
export function activeSecretKeys(
  config: Pick<CallbackVerificationConfig, "secretKey" | "previousSecretKey" | "previousSecretKeyUntil">,
  now: Date,
): string[] {
  const previousValid =
    !!config.previousSecretKey && !!config.previousSecretKeyUntil && now.getTime() < config.previousSecretKeyUntil.getTime()
  return previousValid ? [config.secretKey, config.previousSecretKey!] : [config.secretKey]
}

export interface CallbackEcho {
  click_trans_id?: string
  merchant_trans_id?: string
  merchant_prepare_id?: string
}

export type ParsedCallback =
  | { kind: "prepare"; request: PrepareRequest }
  | { kind: "complete"; request: CompleteRequest }

export type CallbackVerification =
  | ({ ok: true } & ParsedCallback)
  | {
      ok: false
      error: ClickErrorCodeValue
      reason: string
      signatureValid: boolean | null
      echo: CallbackEcho
      /**
       * A callback for this endpoint, correctly signed, whose sign_time is
       * stale: Click's own retry after a long delay, or a captured one
       * replayed. It may be answered from what is already stored, never acted on.
       */
      late?: ParsedCallback
    }

const ACTION_OF: Record<CallbackKind, string> = { prepare: "0", complete: "1" }

const MAX_ECHO_LENGTH = 255

/**
 * Validates a Click callback body in the order Click's reference integrations use:
 * malformed (-8) → signature (-1) → service_id and sign_time (-8) → action (-3).
 * Checks after that (order, amount, state) need storage and belong to the caller.
 */
export function verifyClickCallback(
  body: unknown,
  endpoint: CallbackKind,
  config: CallbackVerificationConfig,
  now: Date = new Date(),
): CallbackVerification {
  if (!isPlainObject(body)) {
    return rejected(ClickErrorCode.BadRequest, "malformed:body", null, {})
  }
  const echo = echoIds(body)
  const fail = (error: ClickErrorCodeValue, reason: string, signatureValid: boolean | null) =>
    rejected(error, reason, signatureValid, echo)

  if (!Object.values(body).every(isFlatValue)) {
    return fail(ClickErrorCode.BadRequest, "malformed:body", null)
  }

  // A well-formed "0" or "1" is signed with its own formula even at the other
  // endpoint, so a genuine but misrouted callback is reported as -3, not -1.
  const parsed = parseCallback(body, formulaFor(body.action, endpoint))
  if ("issue" in parsed) {
    return fail(ClickErrorCode.BadRequest, `malformed:${parsed.issue}`, null)
  }
  const { request } = parsed

  if (!activeSecretKeys(config, now).some((secretKey) => hasValidSignature(parsed, secretKey))) {
    return fail(ClickErrorCode.SignCheckFailed, "signature", false)
  }
  if (request.service_id !== config.serviceId) {
    return fail(ClickErrorCode.BadRequest, "service_id", true)
  }
  const signTime = checkSignTime(request.sign_time, now, {
    maxAgeSec: config.signTimeMaxAgeSec,
    maxFutureSec: config.signTimeMaxFutureSec,
  })
  if (signTime === "stale" && request.action === ACTION_OF[endpoint]) {
    return { ...fail(ClickErrorCode.BadRequest, "sign_time:stale", true), late: parsed }
  }
  if (signTime !== "ok") {
    return fail(ClickErrorCode.BadRequest, `sign_time:${signTime}`, true)
  }
  if (request.action !== ACTION_OF[endpoint]) {
    return fail(ClickErrorCode.ActionNotFound, "action", true)
  }
  return { ok: true, ...parsed }
}

/**
 * The answer to a callback naming a service_id this backend does not serve:
 * Click's -8 (a wrong service_id), with the ids echoed. No secret of another
 * service checks it, so its signature is neither valid nor invalid here.
 */
export function refuseUnknownService(body: unknown): Extract<CallbackVerification, { ok: false }> {
  return rejected(ClickErrorCode.BadRequest, "service_id:unknown", null, isPlainObject(body) ? echoIds(body) : {})
}

function formulaFor(receivedAction: unknown, endpoint: CallbackKind): CallbackKind {
  const action = typeof receivedAction === "number" ? String(receivedAction) : receivedAction
  if (action === ACTION_OF.prepare) return "prepare"
  if (action === ACTION_OF.complete) return "complete"
  return endpoint
}

function parseCallback(
  body: Record<string, unknown>,
  kind: CallbackKind,
): ParsedCallback | { issue: string } {
  if (kind === "prepare") {
    const result = prepareRequestSchema.safeParse(body)
    return result.success ? { kind, request: result.data } : { issue: firstIssuePath(result.error) }
  }
  const result = completeRequestSchema.safeParse(body)
  return result.success ? { kind, request: result.data } : { issue: firstIssuePath(result.error) }
}

function firstIssuePath(error: ZodError): string {
  return error.issues[0]?.path.join(".") || "body"
}

function hasValidSignature(parsed: ParsedCallback, secretKey: string): boolean {
  return parsed.kind === "prepare"
    ? verifyPrepareSignature(parsed.request, secretKey)
    : verifyCompleteSignature(parsed.request, secretKey)
}

function rejected(
  error: ClickErrorCodeValue,
  reason: string,
  signatureValid: boolean | null,
  echo: CallbackEcho,
): Extract<CallbackVerification, { ok: false }> {
  return { ok: false, error, reason, signatureValid, echo }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  // Node's querystring parser builds objects without a prototype.
  return prototype === Object.prototype || prototype === null
}

function isFlatValue(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number"
}

function echoIds(body: Record<string, unknown>): CallbackEcho {
  const echo: CallbackEcho = {}
  for (const key of ["click_trans_id", "merchant_trans_id", "merchant_prepare_id"] as const) {
    const value = echoable(body[key])
    if (value !== undefined) echo[key] = value
  }
  return echo
}

function echoable(value: unknown): string | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) ? String(value) : undefined
  if (typeof value === "string" && value.length > 0 && value.length <= MAX_ECHO_LENGTH) return value
  return undefined
}
