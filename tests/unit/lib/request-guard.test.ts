import { describe, expect, it } from "vitest"
import { budgetKey, DEFAULT_REQUEST_GUARD, parseAllowList, RequestGuard } from "../../../src/lib/request-guard"

const guard = (options: Partial<typeof DEFAULT_REQUEST_GUARD> = {}) => new RequestGuard({ ...DEFAULT_REQUEST_GUARD, ...options })
const fromProxy = { ip: "203.0.113.7", socket: { remoteAddress: "::ffff:10.0.0.2" } }

describe("RequestGuard", () => {
  it("takes the TCP peer unless trustProxy, and reads an IPv4-mapped peer as IPv4", () => {
    expect(guard().sourceAddress(fromProxy)).toBe("10.0.0.2")
    expect(guard({ trustProxy: true }).sourceAddress(fromProxy)).toBe("203.0.113.7")
    expect(guard({ trustProxy: true }).sourceAddress({ socket: { remoteAddress: "::1" } })).toBe("::1")
  })

  it("allows any source without an allow-list, and only listed addresses and networks with one", () => {
    expect(guard().allowsCallbackFrom("198.51.100.1")).toBe(true)
    const listed = guard({ allowedIps: ["203.0.113.0/24", "198.51.100.9", "2001:db8::/32"] })
    expect(listed.allowsCallbackFrom("203.0.113.250")).toBe(true)
    expect(listed.allowsCallbackFrom("198.51.100.9")).toBe(true)
    expect(listed.allowsCallbackFrom("2001:db8::1")).toBe(true)
    expect(listed.allowsCallbackFrom("203.0.114.1")).toBe(false)
    expect(listed.allowsCallbackFrom("198.51.100.10")).toBe(false)
    expect(listed.allowsCallbackFrom("")).toBe(false)
    expect(listed.allowsCallbackFrom("not-an-address")).toBe(false)
  })

  it.each(["203.0.113.0/33", "300.1.1.1", "example.com", "203.0.113.0/24/1", "2001:db8::/129", "1.2.3.4/x"])(
    "refuses the allow-list entry %s, naming it",
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow(entry)
    }
  )

  it("gives each address its own budget per minute, says when to retry, and 0 means no limit", async () => {
    const limited = guard({ statusRequestsPerMinute: 3 })
    const spent = []
    for (let i = 0; i < 5; i++) spent.push(await limited.spendStatusRequest("198.51.100.1"))
    expect(spent.map((s) => s.ok)).toEqual([true, true, true, false, false])
    expect(spent[4]).toMatchObject({ ok: false, retryAfterSec: expect.any(Number) })
    expect((spent[4] as { retryAfterSec: number }).retryAfterSec).toBeGreaterThanOrEqual(1)
    expect((spent[4] as { retryAfterSec: number }).retryAfterSec).toBeLessThanOrEqual(60)
    expect((await limited.spendStatusRequest("198.51.100.2")).ok).toBe(true)
    // The two budgets are apart.
    expect((await limited.spendUnverifiedCallback("198.51.100.1")).ok).toBe(true)

    const unlimited = guard({ statusRequestsPerMinute: 0 })
    for (let i = 0; i < 1000; i++) expect((await unlimited.spendStatusRequest("198.51.100.1")).ok).toBe(true)
  })

  it("budgets an IPv6 caller per /64, however it writes its address, and an IPv4 caller per address", async () => {
    const limited = guard({ unsignedCallbacksPerMinute: 3 })
    const sameNetwork = ["2001:db8:1:2::1", "2001:0DB8:0001:0002:ffff:ffff:ffff:fffe", "2001:db8:1:2:0:0:0:9"]
    for (const address of sameNetwork) expect((await limited.spendUnverifiedCallback(address)).ok).toBe(true)
    expect((await limited.spendUnverifiedCallback("2001:db8:1:2:abcd::7")).ok).toBe(false)
    expect((await limited.spendUnverifiedCallback("2001:db8:1:3::1")).ok).toBe(true)
    expect((await limited.spendUnverifiedCallback("198.51.100.1")).ok).toBe(true)

    expect(budgetKey("2001:db8::1")).toBe("2001:db8:0:0::/64")
    expect(budgetKey("::1")).toBe("0:0:0:0::/64")
    expect(budgetKey("::")).toBe("0:0:0:0::/64")
    expect(budgetKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64")
    expect(budgetKey("1:2:3:4:5:6:7:8")).toBe("1:2:3:4::/64")
    expect(budgetKey("203.0.113.7")).toBe("203.0.113.7")
  })

  it("holds a bounded number of addresses: past the new addresses a minute admits, a new one is out of budget, a known one is not", async () => {
    const limited = guard({ statusRequestsPerMinute: 5, trackedAddressesPerMinute: 3 })
    for (const address of ["198.51.100.1", "198.51.100.2", "2001:db8:9::1"]) {
      expect((await limited.spendStatusRequest(address)).ok).toBe(true)
    }
    const refused = await limited.spendStatusRequest("198.51.100.4")
    expect(refused).toMatchObject({ ok: false, retryAfterSec: expect.any(Number) })
    expect((await limited.spendStatusRequest("2001:db8:9::2")).ok).toBe(true)
    expect((await limited.spendStatusRequest("198.51.100.1")).ok).toBe(true)
  })

  it("lets only this machine use the sandbox, not through a proxy, unless sandboxPublic", () => {
    const local = (address: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress: address }, headers })
    const closed = guard()
    expect(closed.allowsSandboxFor(local("127.0.0.1"))).toBe(true)
    expect(closed.allowsSandboxFor(local("::1"))).toBe(true)
    expect(closed.allowsSandboxFor(local("::ffff:127.0.0.1"))).toBe(true)
    expect(closed.allowsSandboxFor(local("192.0.2.2"))).toBe(false)
    expect(closed.allowsSandboxFor(local("fd00::2"))).toBe(false)
    expect(closed.allowsSandboxFor(local(""))).toBe(false)
    expect(closed.allowsSandboxFor(local("127.0.0.1", { "x-forwarded-for": "203.0.113.9" }))).toBe(false)
    expect(closed.allowsSandboxFor(local("127.0.0.1", { forwarded: "for=203.0.113.9" }))).toBe(false)
    const behindProxy = guard({ trustProxy: true })
    expect(behindProxy.allowsSandboxFor({ ip: "203.0.113.9", ...local("127.0.0.1", { "x-forwarded-for": "203.0.113.9" }) })).toBe(false)
    expect(behindProxy.allowsSandboxFor({ ip: "127.0.0.1", ...local("127.0.0.1") })).toBe(true)
    expect(guard({ sandboxPublic: true }).allowsSandboxFor(local("192.0.2.2"))).toBe(true)
  })
})
