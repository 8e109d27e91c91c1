import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { clickRequestGuard, hasSandboxClick, sandboxClick } from "../../providers/click/merchant-gateway"
import type { SandboxClick } from "../../providers/click/sandbox-click"

/** The sandbox pages' HTML escaping: every value shown comes from a request or the database. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!)

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f2f5f9;margin:0;display:flex;justify-content:center;padding:48px 16px}
main{background:#fff;border-radius:16px;box-shadow:0 4px 24px #0001;padding:32px;max-width:420px;width:100%}
h1{font-size:20px;margin:0 0 4px;color:#0a57d0}.sandbox{color:#b25b00;font-size:13px;margin-bottom:24px}
dl{display:grid;grid-template-columns:auto 1fr;gap:8px 16px;margin:0 0 24px}dt{color:#667}dd{margin:0;font-weight:600;word-break:break-all}
.amount{font-size:28px}button{font-size:16px;padding:12px;border-radius:10px;border:0;width:100%;margin-top:8px;cursor:pointer}
.pay{background:#0a57d0;color:#fff}.decline{background:#e8ecf2;color:#223}.error{color:#c0262d;font-weight:600}
.product{border:1px solid #e3e7ee;border-radius:12px;padding:16px;margin-bottom:12px}.product h2{font-size:17px;margin:0 0 4px}
.price{color:#334;margin-bottom:8px}.ok{color:#137a3a;font-weight:600;font-size:20px}
label{display:block;color:#334;font-size:14px}input:not([type=radio]){font:inherit;font-size:16px;padding:10px;border:1px solid #cfd6e0;border-radius:8px;width:100%;box-sizing:border-box;margin:4px 0 8px}
button:disabled{opacity:.5;cursor:default}.saved-card{display:flex;align-items:center;gap:8px;padding:8px 0}.saved-card button{width:auto;margin:0 0 0 auto;padding:6px 12px;font-size:14px}`

/** Sends one self-contained sandbox page (no external assets: it works offline). */
export function sendSandboxPage(res: MedusaResponse, title: string, body: string, status = 200) {
  res.setHeader("content-type", "text/html; charset=utf-8")
  res.status(status).send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`
  )
}

/**
 * Whether the sandbox pages may serve this request, or false after answering:
 * 404 outside sandbox mode, 403 for a caller that is not this machine (unless
 * CLICK_SANDBOX_PUBLIC=true), so that a backend left in sandbox mode on a
 * public address takes no orders.
 */
export function sandboxServes(req: MedusaRequest, res: MedusaResponse): boolean {
  if (!hasSandboxClick()) {
    res.status(404).json({ message: "Not found" })
    return false
  }
  if (!clickRequestGuard().allowsSandboxFor(req)) {
    res.status(403).json({
      message:
        "The Click sandbox serves only this machine (a loopback address, not through a proxy). To open it to other addresses on a private network, set CLICK_SANDBOX_PUBLIC=true.",
    })
    return false
  }
  return true
}

/**
 * The sandbox's Click of the service the request names (`service_id`; without
 * one, the only sandbox service) for a request the sandbox pages may serve,
 * or null after answering (sandboxServes; 404 for a service it does not play).
 */
export function sandboxClickFor(req: MedusaRequest, res: MedusaResponse): SandboxClick | null {
  if (!sandboxServes(req, res)) return null
  const serviceId = (req.query as Record<string, unknown>)?.service_id ?? (req.body as Record<string, unknown> | undefined)?.service_id
  const click = sandboxClick(typeof serviceId === "string" && serviceId ? serviceId : undefined)
  if (!click) {
    res.status(404).json({ message: "Not found" })
    return null
  }
  return click
}
