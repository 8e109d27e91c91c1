import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import type { MedusaContainer } from "@medusajs/framework/types"
import { performance } from "node:perf_hooks"
import type { Logger } from "pino"
import {
  ClickErrorCode,
  completeAnswer,
  prepareAnswer,
  type CallbackEcho,
  type CallbackKind,
  type ClickErrorCodeValue,
  type CompleteAnswer,
  type ParsedCallback,
  type PrepareAnswer,
  refuseUnknownService,
} from "../../../click"
import { clickModule } from "../../../payments/click-transactions"
import { clickLogger } from "../../../lib/logger"
import type { Spent } from "../../../lib/request-guard"
import {
  clickGatewayForCallback,
  clickRequestGuard,
  type LateClickCallback,
  type VerifiedClickCallback,
} from "../../../providers/click/merchant-gateway"
import { readCallbackBody, type CallbackBody } from "./read-callback-body"

type Answer = PrepareAnswer | CompleteAnswer

/** The endpoint's handler: decides, writes and answers a verified callback (payments/callbacks). */
export type CallbackHandler<K extends CallbackKind> = (
  container: MedusaContainer,
  verified: VerifiedClickCallback<K>,
  log: Logger
) => Promise<Answer>

export type LateCallbackHandler<K extends CallbackKind> = (
  container: MedusaContainer,
  late: LateClickCallback<K>,
  log: Logger
) => Promise<Answer>

/**
 * One Click callback endpoint: source address (allow-list) → bounded body →
 * verification by the gateway of the service it names (which holds the secret) → the endpoint's
 * handler → Click's JSON answer, always HTTP 200 → the audit record. A
 * callback that did not pass verification, a correctly signed but stale one
 * (a replay) included, spends its address's budget: past it, it is answered
 * -8 without a database read and not stored. `answerLate`, when given, answers
 * a stale callback within the budget from the stored state.
 * Orders are placed after the callbacks in flight are answered: each callback
 * counts itself in the container's placement scheduler (ClickPlacementSchedulerService).
 */
export function clickCallbackRoute<K extends CallbackKind>(endpoint: K, handle: CallbackHandler<K>, answerLate?: LateCallbackHandler<K>) {
  return async (req: MedusaRequest, res: MedusaResponse) => {
    const leave = clickModule(req.scope).placementScheduler.enterCallback()
    try {
      await answerCallback(endpoint, { handle, answerLate }, req, res)
    } finally {
      leave()
    }
  }
}

async function answerCallback<K extends CallbackKind>(
  endpoint: K,
  handlers: { handle: CallbackHandler<K>; answerLate?: LateCallbackHandler<K> },
  req: MedusaRequest,
  res: MedusaResponse
) {
  const started = performance.now()
  let body: CallbackBody = { ok: false, reason: "unparseable" }
  let echo: CallbackEcho = {}
  let signatureValid: boolean | null = null
  let verified = false
  let reason: string | null = null
  let answer: Answer
  const log = clickLogger.child({ endpoint })
  const guard = clickRequestGuard()
  const source = guard.sourceAddress(req)
  let budget: Promise<Spent> | undefined
  const spendBudget = () => (budget ??= guard.spendUnverifiedCallback(source))
  try {
    if (!guard.allowsCallbackFrom(source)) {
      // Not even read: an address outside the allow-list gets Click's "bad request".
      reason = "source_not_allowed"
      answer = errorAnswer(endpoint, ClickErrorCode.BadRequest, echo)
    } else if (!(body = await readCallbackBody(req)).ok) {
      reason = `body:${body.reason}`
      answer = errorAnswer(endpoint, ClickErrorCode.BadRequest, echo)
    } else {
      const gateway = clickGatewayForCallback(body.body.service_id)
      const verification = gateway?.verifyCallback(body.body, endpoint)
      if (!verification) {
        // No service of this backend has that service_id: no other service's secret is asked about it.
        const refusal = refuseUnknownService(body.body)
        echo = refusal.echo
        reason = refusal.reason
        answer = errorAnswer(endpoint, refusal.error, echo)
      } else if (!verification.ok) {
        echo = verification.echo
        signatureValid = verification.signatureValid
        reason = verification.reason
        answer = errorAnswer(endpoint, verification.error, echo)
        const late = verification.late
        if (late && isLateAs(late, endpoint) && handlers.answerLate && (await spendBudget()).ok) {
          answer = await handlers.answerLate(
            req.scope,
            { ...late, cancelOfConfirmedAnswer: verification.cancelOfConfirmedAnswer },
            log.child(idsOf(echo))
          )
        }
      } else if (!isVerifiedAs(verification, endpoint)) {
        // The gateway verifies a body as the endpoint's own kind; anything else is a bug, answered as Click's "bad request".
        reason = "internal:kind"
        answer = errorAnswer(endpoint, ClickErrorCode.BadRequest, echo)
      } else {
        echo = verification.request
        signatureValid = true
        verified = true
        answer = await handlers.handle(
          req.scope,
          verification,
          log.child({
            click_trans_id: verification.request.click_trans_id,
            merchant_trans_id: verification.request.merchant_trans_id,
          })
        )
      }
    }
  } catch (error) {
    reason = "internal"
    log.error({ err: (error as Error)?.message, ...idsOf(echo) }, "callback failed")
    answer = errorAnswer(endpoint, ClickErrorCode.FailedToUpdate, echo)
  }
  const durationMs = Math.round(performance.now() - started)
  const stored = verified || (await spendBudget()).ok
  // Recorded before answering, so every answer Click saw is in the audit trail.
  if (stored) await recordCallback(req, source, {
    endpoint,
    fields: body.ok ? auditedFields(body.body) : { unreadable: reason === "source_not_allowed" ? reason : body.reason },
    echo,
    signatureValid,
    reason,
    answer,
    durationMs,
  }).catch((error) => log.error({ err: (error as Error)?.message }, "callback audit write failed"))
  log.info({ ...idsOf(echo), error: answer.error, reason, duration_ms: durationMs, stored, source }, "callback answered")
  res.status(200).json(answer)
}

function isVerifiedAs<K extends CallbackKind>(callback: VerifiedClickCallback, kind: K): callback is VerifiedClickCallback<K> {
  return callback.kind === kind
}

function isLateAs<K extends CallbackKind>(callback: ParsedCallback, kind: K): callback is Extract<ParsedCallback, { kind: K }> {
  return callback.kind === kind
}

function errorAnswer(endpoint: CallbackKind, error: ClickErrorCodeValue, echo: CallbackEcho): Answer {
  const ids = { click_trans_id: echo.click_trans_id, merchant_trans_id: echo.merchant_trans_id, error }
  return endpoint === "prepare" ? prepareAnswer(ids) : completeAnswer(ids)
}

function idsOf(echo: CallbackEcho) {
  return { click_trans_id: echo.click_trans_id, merchant_trans_id: echo.merchant_trans_id }
}

const AUDITED_FIELDS = [
  "click_trans_id",
  "service_id",
  "click_paydoc_id",
  "merchant_trans_id",
  "merchant_prepare_id",
  "amount",
  "action",
  "error",
  "error_note",
  "sign_time",
]

/**
 * What the audit keeps of a body: Click's fields, each cut to 255 characters,
 * and only a prefix of the signature, so an unsigned flood cannot fill the
 * table with kilobytes per request nor the table leak a reusable signature.
 */
function auditedFields(fields: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {}
  for (const name of AUDITED_FIELDS) {
    if (fields[name] !== undefined) {
      kept[name] = String(fields[name]).slice(0, 255)
    }
  }
  if (typeof fields.sign_string === "string") {
    kept.sign_string_prefix = fields.sign_string.slice(0, 6)
  }
  const unknown = Object.keys(fields).filter((name) => !AUDITED_FIELDS.includes(name) && name !== "sign_string")
  if (unknown.length) {
    kept.unknown_fields = unknown.length
  }
  return kept
}

async function recordCallback(
  req: MedusaRequest,
  source: string,
  entry: {
    endpoint: CallbackKind
    fields: Record<string, unknown>
    echo: CallbackEcho
    signatureValid: boolean | null
    reason: string | null
    answer: Answer
    durationMs: number
  }
) {
  await clickModule(req.scope).callbackAudit.recordCallback({
    endpoint: entry.endpoint,
    click_trans_id: entry.echo.click_trans_id ?? null,
    merchant_trans_id: entry.echo.merchant_trans_id ?? null,
    fields: entry.fields,
    signature_valid: entry.signatureValid,
    error: entry.answer.error,
    reason: entry.reason,
    response: { ...entry.answer },
    duration_ms: entry.durationMs,
    remote_address: source || null,
  })
}
