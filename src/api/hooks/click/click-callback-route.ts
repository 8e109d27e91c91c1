import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { Modules } from "@medusajs/framework/utils"
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
  type PrepareAnswer,
} from "../../../click"
import { clickModule } from "../../../callbacks/click-transactions"
import { clickLogger } from "../../../lib/logger"
import { CLICK_ENDPOINT_HEADER, type ClickWebhookResult } from "../../../providers/click/service"
import { readCallbackBody } from "./read-callback-body"

type Verified = Extract<NonNullable<ClickWebhookResult["click"]>, { ok: true }>
type Answer = PrepareAnswer | CompleteAnswer

export type CallbackHandler = (
  container: MedusaContainer,
  verified: Verified & NonNullable<ClickWebhookResult["click"]>,
  log: Logger
) => Promise<Answer>

const PROVIDER = "click_click"

/**
 * One Click callback endpoint: bounded body → verification by the provider
 * (which holds the secret) → the endpoint's handler → Click's JSON answer,
 * always HTTP 200 → the audit record.
 */
export function clickCallbackRoute(endpoint: CallbackKind, handle: CallbackHandler) {
  return async (req: MedusaRequest, res: MedusaResponse) => {
    const started = performance.now()
    const body = await readCallbackBody(req)
    let echo: CallbackEcho = {}
    let signatureValid: boolean | null = null
    let reason: string | null = null
    let answer: Answer
    const log = clickLogger.child({ endpoint })
    try {
      if (!body.ok) {
        reason = `body:${body.reason}`
        answer = errorAnswer(endpoint, ClickErrorCode.BadRequest, echo)
      } else {
        const verification = await verify(req.scope, endpoint, body.body, req.headers)
        if (!verification.ok) {
          echo = verification.echo
          signatureValid = verification.signatureValid
          reason = verification.reason
          answer = errorAnswer(endpoint, verification.error, echo)
        } else {
          echo = verification.request
          signatureValid = true
          answer = await handle(
            req.scope,
            verification as Verified & NonNullable<ClickWebhookResult["click"]>,
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
    // Recorded before answering, so every answer Click saw is in the audit trail.
    await recordCallback(req, {
      endpoint,
      fields: body.ok ? withoutSignature(body.body) : { unreadable: body.reason },
      echo,
      signatureValid,
      reason,
      answer,
      durationMs,
    }).catch((error) => log.error({ err: (error as Error)?.message }, "callback audit write failed"))
    log.info({ ...idsOf(echo), error: answer.error, reason, duration_ms: durationMs }, "callback answered")
    res.status(200).json(answer)
  }
}

async function verify(
  container: MedusaContainer,
  endpoint: CallbackKind,
  data: Record<string, unknown>,
  headers: Record<string, unknown>
) {
  const payment = container.resolve(Modules.PAYMENT)
  const result = (await payment.getWebhookActionAndData({
    provider: PROVIDER,
    payload: { data, rawData: "", headers: { ...headers, [CLICK_ENDPOINT_HEADER]: endpoint } },
  })) as ClickWebhookResult
  if (!result.click) {
    throw new Error("the Click provider did not verify the callback")
  }
  return result.click
}

function errorAnswer(endpoint: CallbackKind, error: ClickErrorCodeValue, echo: CallbackEcho): Answer {
  const ids = { click_trans_id: echo.click_trans_id, merchant_trans_id: echo.merchant_trans_id, error }
  return endpoint === "prepare" ? prepareAnswer(ids) : completeAnswer(ids)
}

function idsOf(echo: CallbackEcho) {
  return { click_trans_id: echo.click_trans_id, merchant_trans_id: echo.merchant_trans_id }
}

/** The audit keeps what was received, but only a prefix of the signature. */
function withoutSignature(fields: Record<string, unknown>): Record<string, unknown> {
  const { sign_string, ...rest } = fields
  return typeof sign_string === "string"
    ? { ...rest, sign_string_prefix: sign_string.slice(0, 6) }
    : rest
}

async function recordCallback(
  req: MedusaRequest,
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
  await clickModule(req.scope).createClickCallbacks({
    endpoint: entry.endpoint,
    click_trans_id: entry.echo.click_trans_id ?? null,
    merchant_trans_id: entry.echo.merchant_trans_id ?? null,
    fields: entry.fields,
    signature_valid: entry.signatureValid,
    error: entry.answer.error,
    reason: entry.reason,
    response: entry.answer as unknown as Record<string, unknown>,
    duration_ms: entry.durationMs,
    remote_address: req.ip ?? req.socket?.remoteAddress ?? null,
  })
}
