import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"
import { z } from "zod"
import type { ClickMerchantEndpoint } from "../../src/click"
import {
  startMerchantApiDouble,
  type MerchantApiDouble,
  type MerchantApiDoubleOptions,
} from "../../src/sandbox/merchant-api-double"
import { DoubleErrorCode } from "../../src/sandbox/merchant-api-double-codes"

/**
 * Click misbehaving, for the tests only: an HTTP front on 127.0.0.1 that stands
 * between the client and the project's Merchant API double and injects faults
 * into Click's paths. Everything it does not fault it forwards to the double
 * unchanged, the control API included, so the pair answers as the double does.
 * The published package ships the double without any of this.
 *
 * The front adds to the control API (`/__double/`):
 *
 *   POST   /__double/faults                          queue a fault (MerchantApiFault)
 *   DELETE /__double/faults                          clear all faults
 *   GET    /__double/payments/{payment_id}/reversal-calls   every reversal request for it the front
 *                                                    received, the faulted ones too
 */
export interface MerchantApiDoubleWithFaults extends MerchantApiDouble {
  injectFault(fault: MerchantApiFault): void
  clearFaults(): void
  /** Requests a hang fault holds right now. */
  heldRequests(): number
}

const BASE_PATH = "/v2/merchant/"
const CONTROL_PATH = "/__double/"

// The double's routes: a fault is taken only by a request the double would act on.
// params: path segments after the service id (submit_items has neither: its body names the service).
type FaultableEndpoint = ClickMerchantEndpoint | "card_token/payment" | "invoice/status"
// Endpoints whose JSON body names the service and the fields: the path is the endpoint.
const BODY_ENDPOINTS = new Set<string>(["payment/ofd_data/submit_items", "card_token/payment"])
const ROUTES: Record<FaultableEndpoint, { method: "GET" | "DELETE" | "POST"; params: number }> = {
  "payment/status": { method: "GET", params: 1 },
  "payment/status_by_mti": { method: "GET", params: 2 },
  "payment/reversal": { method: "DELETE", params: 1 },
  "payment/partial_reversal": { method: "DELETE", params: 2 },
  "payment/ofd_data/submit_items": { method: "POST", params: 0 },
  "payment/ofd_data": { method: "GET", params: 1 },
  "card_token/payment": { method: "POST", params: 0 },
  "invoice/status": { method: "GET", params: 1 },
}

const endpointSchema = z.enum(Object.keys(ROUTES) as [FaultableEndpoint, ...FaultableEndpoint[]])
const timesSchema = z.number().int().min(1).max(1000).default(1)

/**
 * The next `times` requests to `endpoint` (default 1):
 * - http_error: answer `http_status` (default 503) without acting;
 * - hang: wait `ms`, then act and answer as usual: Click acted, but too late for
 *   a client with a shorter timeout;
 * - click_error: answer `error_code`/`error_note` (HTTP `http_status`, default 200) without acting.
 * - lost_answer: act as usual, then lose the answer: the connection is reset (`as: "reset"`, the
 *   default) or a proxy answers 502 (`as: "http_502"`). Click did it; the client cannot know.
 * - http_answer: answer `http_status` (300–599) with `body` as it is (default empty, `content_type`
 *   default text/html) and, when given, a `location` header, without acting: a redirect, a proxy's
 *   bare 404 page, anything that is not Click's JSON.
 */
const faultSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("http_error"),
    http_status: z.number().int().min(500).max(599).default(503),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("hang"),
    ms: z.number().int().min(0).max(600_000),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("click_error"),
    error_code: z.number().int().refine((code) => code !== 0, "must not be 0 (success)"),
    error_note: z.string().max(1024),
    http_status: z.number().int().min(200).max(599).default(200),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("lost_answer"),
    as: z.enum(["reset", "http_502"]).default("reset"),
    times: timesSchema,
  }),
  z.strictObject({
    endpoint: endpointSchema,
    kind: z.literal("http_answer"),
    http_status: z.number().int().min(300).max(599),
    body: z.string().max(4096).default(""),
    content_type: z.string().max(100).default("text/html; charset=utf-8"),
    location: z.string().max(2048).optional(),
    times: timesSchema,
  }),
])

export type MerchantApiFault = z.input<typeof faultSchema>
type Fault = z.output<typeof faultSchema>

interface Answer {
  status: number
  headers: Record<string, string>
  body: string | Buffer
}

class InvalidFaultError extends Error {}

/** The double (options as startMerchantApiDouble's) behind a fault front; `url` and `controlUrl` are the front's. */
export async function startMerchantApiDoubleWithFaults(options: MerchantApiDoubleOptions): Promise<MerchantApiDoubleWithFaults> {
  const double = await startMerchantApiDouble(options)
  const doubleOrigin = new URL(double.url).origin
  const faults: { fault: Fault; remaining: number }[] = []
  const reversalCalls = new Map<string, number>()
  // Releases for requests held by a hang fault, so stop() does not wait for them.
  const hangs = new Set<() => void>()

  function injectFault(input: unknown): Fault {
    const parsed = faultSchema.safeParse(input)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new InvalidFaultError(`Invalid fault: ${issue.path.join(".") || "body"}: ${issue.message}`)
    }
    faults.push({ fault: parsed.data, remaining: parsed.data.times })
    return parsed.data
  }

  function takeFault(endpoint: FaultableEndpoint): Fault | undefined {
    const index = faults.findIndex((queued) => queued.fault.endpoint === endpoint)
    if (index === -1) return undefined
    const queued = faults[index]
    if (--queued.remaining === 0) faults.splice(index, 1)
    return queued.fault
  }

  /** Resolves true after `ms`, or false as soon as the front stops. */
  function hang(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer)
        hangs.delete(release)
        resolve(false)
      }
      const timer = setTimeout(() => {
        hangs.delete(release)
        resolve(true)
      }, ms)
      hangs.add(release)
    })
  }

  /** The answer, or null for none at all: the connection is dropped. */
  async function answer(request: IncomingMessage, body: Buffer): Promise<Answer | null> {
    const { pathname } = new URL(request.url ?? "/", "http://front.invalid")
    if (pathname.startsWith(CONTROL_PATH)) {
      return control(request.method, pathname.slice(CONTROL_PATH.length), body) ?? forward(request, body)
    }
    const route = pathname.startsWith(BASE_PATH) ? clickRoute(request.method, pathname.slice(BASE_PATH.length)) : null
    if (!route) return forward(request, body)
    if (route.endpoint === "payment/reversal" || route.endpoint === "payment/partial_reversal") {
      reversalCalls.set(route.paymentId, (reversalCalls.get(route.paymentId) ?? 0) + 1)
    }

    const fault = takeFault(route.endpoint)
    if (fault?.kind === "http_error") {
      return jsonAnswer(fault.http_status, { error_code: DoubleErrorCode.Internal, error_note: `Injected fault: HTTP ${fault.http_status}` })
    }
    if (fault?.kind === "click_error") return jsonAnswer(fault.http_status, { error_code: fault.error_code, error_note: fault.error_note })
    if (fault?.kind === "http_answer") {
      return {
        status: fault.http_status,
        headers: { "Content-Type": fault.content_type, ...(fault.location ? { Location: fault.location } : {}) },
        body: fault.body,
      }
    }
    if (fault?.kind === "hang" && !(await hang(fault.ms))) return null
    const acted = await forward(request, body)
    if (fault?.kind === "lost_answer") {
      return fault.as === "reset" ? null : jsonAnswer(502, { error_code: DoubleErrorCode.Internal, error_note: "Bad gateway" })
    }
    return acted
  }

  /** The front's own part of the control API; undefined for what the double answers. */
  function control(method: string | undefined, path: string, body: Buffer): Answer | undefined {
    if (path === "faults") {
      if (method === "DELETE") {
        faults.length = 0
        return jsonAnswer(200, { faults: [] })
      }
      if (method !== "POST") return jsonAnswer(405, { error_code: DoubleErrorCode.MethodNotAllowed, error_note: "Method not allowed" })
      try {
        return jsonAnswer(201, { fault: injectFault(JSON.parse(body.toString("utf8"))) })
      } catch (error) {
        const note = error instanceof InvalidFaultError ? error.message : "Bad request: the body is not JSON"
        return jsonAnswer(400, { error_code: DoubleErrorCode.BadRequest, error_note: note })
      }
    }
    const counted = /^payments\/([^/]+)\/reversal-calls$/.exec(path)
    const paymentId = counted && method === "GET" ? decodeSegment(counted[1]) : null
    if (paymentId) return jsonAnswer(200, { payment_id: paymentId, reversal_calls: reversalCalls.get(paymentId) ?? 0 })
    return undefined
  }

  /** The request, sent on to the double as it came; its answer as the double gave it. */
  function forward(request: IncomingMessage, body: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        new URL(request.url ?? "/", doubleOrigin),
        { method: request.method, headers: withoutHopHeaders(request.headers) },
        (response) => {
          const chunks: Buffer[] = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("error", reject)
          response.on("end", () => {
            const headers: Record<string, string> = {}
            for (const name of ["content-type", "location"]) {
              const value = response.headers[name]
              if (typeof value === "string") headers[name] = value
            }
            resolve({ status: response.statusCode ?? 502, headers, body: Buffer.concat(chunks) })
          })
        }
      )
      outgoing.on("error", reject)
      outgoing.end(body)
    })
  }

  const server = createServer((request, response) => {
    readBody(request)
      .then((body) => answer(request, body))
      .then(
        (result) => {
          if (!result) {
            request.socket.destroy()
            return
          }
          response.writeHead(result.status, { ...result.headers, "Content-Length": Buffer.byteLength(result.body) })
          response.end(result.body)
        },
        () => request.socket.destroy()
      )
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject)
      resolve()
    })
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  return {
    ...double,
    url: origin + BASE_PATH,
    controlUrl: origin + CONTROL_PATH,
    reversalCalls: (paymentId) => reversalCalls.get(paymentId) ?? 0,
    injectFault: (fault) => void injectFault(fault),
    clearFaults: () => void (faults.length = 0),
    heldRequests: () => hangs.size,
    stop: async () => {
      for (const release of hangs) release()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      await double.stop()
    },
  }
}

/** The Click endpoint a request is for, when the double would act on it; for the reversal endpoints, the payment's id. */
function clickRoute(method: string | undefined, path: string): { endpoint: FaultableEndpoint; paymentId: string } | null {
  if (BODY_ENDPOINTS.has(path)) return method === "POST" ? { endpoint: path as FaultableEndpoint, paymentId: "" } : null
  const raw = path.split("/")
  const endpoint = `${raw[0]}/${raw[1]}`
  if (!isEndpoint(endpoint) || raw.length !== 3 + ROUTES[endpoint].params || method !== ROUTES[endpoint].method) return null
  const segments = raw.slice(2).map(decodeSegment)
  if (segments.some((segment) => segment === null)) return null
  return { endpoint, paymentId: segments[1] ?? "" }
}

function isEndpoint(value: string): value is FaultableEndpoint {
  return Object.prototype.hasOwnProperty.call(ROUTES, value)
}

function decodeSegment(segment: string): string | null {
  try {
    const decoded = decodeURIComponent(segment)
    return decoded === "" ? null : decoded
  } catch {
    return null
  }
}

function jsonAnswer(status: number, body: Record<string, unknown>): Answer {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8" }, body: JSON.stringify(body) }
}

function withoutHopHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, "keep-alive": _keepAlive, host: _host, ...rest } = headers
  return rest
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks)))
    request.on("error", reject)
  })
}
