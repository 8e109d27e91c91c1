import { buildMerchantAuthHeader } from "../../../src/click"

export interface Reply {
  status: number
  body: Record<string, unknown>
}

interface DoubleUrls {
  url: string
  controlUrl: string
}

/**
 * Requests to a running Merchant API double, as its unit tests send them: Click's
 * paths signed with the merchant's key at the test's clock, and the control API.
 */
export function doubleRequests(
  double: () => DoubleUrls,
  config: { merchantUserId: string; secretKey: string },
  clock: () => Date
) {
  function signed(secretKey = config.secretKey, at = clock()): string {
    return buildMerchantAuthHeader({ merchantUserId: config.merchantUserId, secretKey }, at)
  }

  async function click(method: string, path: string, auth: string | null = signed()): Promise<Reply> {
    const headers: Record<string, string> = { Accept: "application/json", "Content-Type": "application/json" }
    if (auth !== null) headers.Auth = auth
    const response = await fetch(new URL(path, double().url), { method, headers })
    return { status: response.status, body: await response.json() }
  }

  async function control(method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(new URL(path, double().controlUrl), {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    })
    return { status: response.status, body: await response.json() }
  }

  return { signed, click, control }
}
