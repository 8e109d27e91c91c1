import { BlockList, isIP } from "node:net"
import { RateLimiterMemory } from "rate-limiter-flexible"

export interface RequestGuardOptions {
  /** Click's source addresses and networks ("185.8.212.0/24"); empty: any source. */
  allowedIps: readonly string[]
  /** Behind a reverse proxy: the caller is the address the nearest proxy put in X-Forwarded-For. */
  trustProxy: boolean
  /** Per address, callbacks that fail verification and are still written to the audit table (0: no cap). */
  unsignedCallbacksPerMinute: number
  /** Per address, requests to the store's Click status route (0: no limit). */
  statusRequestsPerMinute: number
}

export const DEFAULT_REQUEST_GUARD: RequestGuardOptions = {
  allowedIps: [],
  trustProxy: false,
  unsignedCallbacksPerMinute: 60,
  statusRequestsPerMinute: 300,
}

/** What an HTTP request tells about its caller (Express's `req.ip` follows X-Forwarded-For). */
export interface RequestSource {
  ip?: string
  socket?: { remoteAddress?: string }
}

/** The budget a request spent, and when an address that ran out may try again. */
export type Spent = { ok: true } | { ok: false; retryAfterSec: number }

/**
 * The HTTP-side defences of the Click routes, per process: which address a
 * request comes from, whether Click may call from there, and per-address
 * budgets. Genuine, signed callbacks never spend a budget: a scanner sharing
 * Click's address (a proxy without trustProxy) can cost itself its audit
 * rows, never Click its answers.
 */
export class RequestGuard {
  private readonly allowList: BlockList | null
  private readonly unsignedCallbacks: RateLimiterMemory | null
  private readonly statusRequests: RateLimiterMemory | null

  constructor(readonly options: RequestGuardOptions) {
    this.allowList = options.allowedIps.length ? parseAllowList(options.allowedIps) : null
    this.unsignedCallbacks = perMinute(options.unsignedCallbacksPerMinute)
    this.statusRequests = perMinute(options.statusRequestsPerMinute)
  }

  /** The caller's address: the TCP peer, or with trustProxy the nearest proxy's X-Forwarded-For entry. */
  sourceAddress(request: RequestSource): string {
    const address = (this.options.trustProxy ? request.ip : undefined) ?? request.socket?.remoteAddress ?? ""
    return unmapIPv4(address)
  }

  /** Whether Click's callbacks may come from `address` (any address without an allow-list). */
  allowsCallbackFrom(address: string): boolean {
    if (!this.allowList) return true
    const family = isIP(address)
    return family !== 0 && this.allowList.check(address, family === 4 ? "ipv4" : "ipv6")
  }

  /** Spends one of `address`'s unsigned callbacks; out of budget, the callback is answered but not stored. */
  spendUnsignedCallback(address: string): Promise<Spent> {
    return spend(this.unsignedCallbacks, address)
  }

  /** Spends one of `address`'s status requests; out of budget, the route answers 429. */
  spendStatusRequest(address: string): Promise<Spent> {
    return spend(this.statusRequests, address)
  }
}

function perMinute(points: number): RateLimiterMemory | null {
  return points > 0 ? new RateLimiterMemory({ points, duration: 60 }) : null
}

async function spend(limiter: RateLimiterMemory | null, address: string): Promise<Spent> {
  if (!limiter) return { ok: true }
  try {
    await limiter.consume(address || "unknown")
    return { ok: true }
  } catch (rejection) {
    const msBeforeNext = (rejection as { msBeforeNext?: number }).msBeforeNext ?? 60_000
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil(msBeforeNext / 1000)) }
  }
}

/** "::ffff:1.2.3.4", how a dual-stack socket reports an IPv4 peer, is 1.2.3.4. */
function unmapIPv4(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address)
  return mapped ? mapped[1] : address
}

/**
 * An allow-list of addresses and CIDR networks, IPv4 or IPv6. Throws on an
 * entry that is neither, naming it (the provider's options call it at boot).
 */
export function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const raw of entries) {
    const entry = raw.trim()
    const [address, prefixText, ...rest] = entry.split("/")
    const family = isIP(address)
    const maxPrefix = family === 4 ? 32 : 128
    const prefix = prefixText === undefined ? maxPrefix : Number(prefixText)
    if (!family || rest.length || !/^\d{1,3}$/.test(prefixText ?? "0") || prefix > maxPrefix) {
      throw new Error(`"${entry}" is not an IP address or network (e.g. 203.0.113.7 or 203.0.113.0/24)`)
    }
    list.addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6")
  }
  return list
}

let current = new RequestGuard(DEFAULT_REQUEST_GUARD)

/** Set by the Click provider when Medusa loads it (one set of HTTP defences per process). */
export function configureRequestGuard(options: RequestGuardOptions): void {
  current = new RequestGuard(options)
}

export function requestGuard(): RequestGuard {
  return current
}
