import type { IncomingMessage } from "node:http"

/** Click's callbacks are a dozen short fields; anything near this size is not Click. */
export const MAX_CALLBACK_BODY_BYTES = 8 * 1024

export type CallbackBody =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; reason: "too_large" | "unparseable" }

/**
 * Reads a callback body with a hard size limit and parses it as JSON or as a
 * flat form. Medusa's body parser is switched off for these routes so that an
 * oversize or broken body still gets Click's JSON answer instead of an HTML
 * or framework error page.
 */
export async function readCallbackBody(req: IncomingMessage): Promise<CallbackBody> {
  const declared = Number(req.headers["content-length"] ?? 0)
  if (declared > MAX_CALLBACK_BODY_BYTES) {
    return { ok: false, reason: "too_large" }
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_CALLBACK_BODY_BYTES) {
      return { ok: false, reason: "too_large" }
    }
    chunks.push(chunk as Buffer)
  }
  const text = Buffer.concat(chunks).toString("utf8")
  const contentType = String(req.headers["content-type"] ?? "")
  return contentType.includes("json") ? parseJson(text) : parseForm(text)
}

function parseJson(text: string): CallbackBody {
  try {
    const body: unknown = JSON.parse(text)
    return isRecord(body) ? { ok: true, body } : { ok: false, reason: "unparseable" }
  } catch {
    return { ok: false, reason: "unparseable" }
  }
}

function parseForm(text: string): CallbackBody {
  const body: Record<string, unknown> = {}
  for (const [key, value] of new URLSearchParams(text)) {
    // A repeated field is ambiguous (which one was signed?): refuse it.
    if (Object.prototype.hasOwnProperty.call(body, key)) {
      return { ok: false, reason: "unparseable" }
    }
    body[key] = value
  }
  return { ok: true, body }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
}
