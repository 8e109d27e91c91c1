import { BlockList, isIP } from "node:net"
import { RateLimiterMemory } from "rate-limiter-flexible"

export interface RequestGuardOptions {
  /** Click's source addresses and networks ("185.8.212.0/24"); empty: any source. */
  allowedIps: readonly string[]
  /** Behind a reverse proxy: the caller is the address the nearest proxy put in X-Forwarded-For. */
  trustProxy: boolean
  /**
   * Per address, callbacks that do not pass verification (a correctly signed but stale one, a
   * replay, included) and are still read and written to the audit table (0: no cap).
   */
  unsignedCallbacksPerMinute: number
  /** Per address, requests to the store's Click status route (0: no limit). */
  statusRequestsPerMinute: number
  /**
   * Per address, invoices asked for (pay by phone, 0: no limit): each one makes
   * Click notify a phone, so a script must not use the shop to spam numbers.
   */
  invoiceRequestsPerMinute: number
  /**
   * New addresses each budget starts tracking per minute (so it holds at most twice this many):
   * past it, a new address is out of budget until the minute turns. Keeps the memory bounded
   * under a flood from ever new addresses.
   */
  trackedAddressesPerMinute: number
  /** The sandbox's pay page and demo shop serve any caller, not only this machine. */
  sandboxPublic: boolean
}

export const DEFAULT_REQUEST_GUARD: RequestGuardOptions = {
  allowedIps: [],
  trustProxy: false,
  unsignedCallbacksPerMinute: 60,
  statusRequestsPerMinute: 300,
  invoiceRequestsPerMinute: 10,
  trackedAddressesPerMinute: 10_000,
  sandboxPublic: false,
}

/** What an HTTP request tells about its caller (Express's `req.ip` follows X-Forwarded-For). */
export interface RequestSource {
  ip?: string
  socket?: { remoteAddress?: string }
  headers?: Record<string, string | string[] | undefined>
}

/** The budget a request spent, and when an address that ran out may try again. */
export type Spent = { ok: true } | { ok: false; retryAfterSec: number }

/**
 * The HTTP-side defences of the Click routes, per process: which address a
 * request comes from, whether Click may call from there, and per-address
 * budgets. Callbacks that pass verification (signature, service, a fresh
 * sign_time, action) never spend a budget: a scanner sharing Click's address
 * (a proxy without trustProxy) can cost itself its audit rows, never Click its answers.
 */
export class RequestGuard {
  private readonly allowList: BlockList | null
  private readonly unverifiedCallbacks: AddressBudget | null
  private readonly statusRequests: AddressBudget | null
  private readonly invoiceRequests: AddressBudget | null

  constructor(readonly options: RequestGuardOptions) {
    this.allowList = options.allowedIps.length ? parseAllowList(options.allowedIps) : null
    this.unverifiedCallbacks = AddressBudget.perMinute(options.unsignedCallbacksPerMinute, options.trackedAddressesPerMinute)
    this.statusRequests = AddressBudget.perMinute(options.statusRequestsPerMinute, options.trackedAddressesPerMinute)
    this.invoiceRequests = AddressBudget.perMinute(options.invoiceRequestsPerMinute, options.trackedAddressesPerMinute)
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

  /** Spends one of `address`'s unverified callbacks; out of budget, the callback is answered but not stored. */
  spendUnverifiedCallback(address: string): Promise<Spent> {
    return this.unverifiedCallbacks?.spend(address) ?? Promise.resolve({ ok: true })
  }

  /** Spends one of `address`'s status requests; out of budget, the route answers 429. */
  spendStatusRequest(address: string): Promise<Spent> {
    return this.statusRequests?.spend(address) ?? Promise.resolve({ ok: true })
  }

  /** Spends one of `address`'s invoice requests; out of budget, the route answers 429. */
  spendInvoiceRequest(address: string): Promise<Spent> {
    return this.invoiceRequests?.spend(address) ?? Promise.resolve({ ok: true })
  }

  /**
   * Whether the sandbox's pay page and demo shop may serve this request: with
   * sandboxPublic any caller; otherwise only this machine, a loopback caller
   * that no proxy forwarded (without trustProxy a forwarding header means a
   * proxy in front, whose own peer address says nothing), so that a backend
   * left in sandbox mode on a public address takes no orders.
   */
  allowsSandboxFor(request: RequestSource): boolean {
    if (this.options.sandboxPublic) return true
    const forwarded = !this.options.trustProxy && (!!request.headers?.["x-forwarded-for"] || !!request.headers?.forwarded)
    return !forwarded && isLoopback(this.sourceAddress(request))
  }
}

/**
 * A per-minute budget per address, holding a bounded number of addresses:
 * the per-address limiter admits at most `trackedPerMinute` addresses it does
 * not know yet each minute; past that a new address is out of budget.
 */
class AddressBudget {
  static perMinute(points: number, trackedPerMinute: number): AddressBudget | null {
    return points > 0 ? new AddressBudget(points, trackedPerMinute) : null
  }

  private readonly perAddress: RateLimiterMemory
  private readonly newAddresses: RateLimiterMemory

  private constructor(points: number, trackedPerMinute: number) {
    this.perAddress = new RateLimiterMemory({ points, duration: 60 })
    this.newAddresses = new RateLimiterMemory({ points: trackedPerMinute, duration: 60 })
  }

  async spend(address: string): Promise<Spent> {
    const key = budgetKey(address)
    try {
      if (!(await this.perAddress.get(key))) {
        await this.newAddresses.consume("new addresses")
      }
      await this.perAddress.consume(key)
      return { ok: true }
    } catch (rejection) {
      const msBeforeNext = (rejection as { msBeforeNext?: number }).msBeforeNext ?? 60_000
      return { ok: false, retryAfterSec: Math.max(1, Math.ceil(msBeforeNext / 1000)) }
    }
  }
}

/**
 * Whose budget an address spends: an IPv4 address its own, an IPv6 address
 * its /64's, the smallest network a subscriber is given, in which anyone can
 * pick billions of addresses.
 */
export function budgetKey(address: string): string {
  if (isIP(address) !== 6) return address || "unknown"
  // The URL parser writes an IPv6 address in its one canonical form: lowercase hex, "::" at most once.
  const canonical = new URL(`http://[${address.split("%")[0]}]`).hostname.slice(1, -1)
  const [head, tail] = canonical.split("::")
  const groups = head ? head.split(":") : []
  if (tail !== undefined) {
    const after = tail ? tail.split(":") : []
    groups.push(...Array(8 - groups.length - after.length).fill("0"), ...after)
  }
  return `${groups.slice(0, 4).join(":")}::/64`
}

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet("127.0.0.0", 8, "ipv4")
LOOPBACK.addAddress("::1", "ipv6")

function isLoopback(address: string): boolean {
  const family = isIP(address)
  return family !== 0 && LOOPBACK.check(address, family === 4 ? "ipv4" : "ipv6")
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

/**
 * Whether two services ask for the same HTTP defences (the allow-list in any
 * order): the Click routes are shared by every Click service of a backend, so
 * their defences are one set.
 */
export function sameRequestGuardOptions(a: RequestGuardOptions, b: RequestGuardOptions): boolean {
  const { allowedIps: ipsA, ...restA } = a
  const { allowedIps: ipsB, ...restB } = b
  const sorted = (ips: readonly string[]) => [...ips].sort().join(",")
  return sorted(ipsA) === sorted(ipsB) && JSON.stringify(restA, Object.keys(restA).sort()) === JSON.stringify(restB, Object.keys(restB).sort())
}
