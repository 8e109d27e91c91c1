import { describe, expect, it } from "vitest"
import { DEFAULT_REQUEST_GUARD, parseAllowList, RequestGuard } from "../../../src/lib/request-guard"

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
    expect((await limited.spendUnsignedCallback("198.51.100.1")).ok).toBe(true)

    const unlimited = guard({ statusRequestsPerMinute: 0 })
    for (let i = 0; i < 1000; i++) expect((await unlimited.spendStatusRequest("198.51.100.1")).ok).toBe(true)
  })
})
