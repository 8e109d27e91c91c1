import { spawnSync } from "node:child_process"
import os from "node:os"
import Redis from "ioredis"
import { afterAll, expect, it } from "vitest"
import { claimRedisDbNumber, redisDbClaimKey } from "../scripts/lib/redis-claim.mjs"
import { describeOnRunRedis } from "./harness/redis-db"

/** The pid of a process of this machine that has ended. */
function pidOfEndedProcess(): number {
  const ended = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" })
  return Number(ended.stdout.trim())
}

/**
 * The tests' Redis files and the bench each empty the Redis db they use, so a run claims its
 * db number first. These claims use numbers no run uses (their own labels), on the run's Redis.
 */
describeOnRunRedis("Redis db claims (scripts/lib/redis-claim.mjs)", (redisUrl) => {
  const claims = new Redis(redisUrl)
  const label = (name: string) => `claims-test-${process.pid}-${name}`
  afterAll(async () => {
    const keys = await claims.keys(redisDbClaimKey(`claims-test-${process.pid}-*`))
    if (keys.length) await claims.del(...keys)
    claims.disconnect()
  })

  it("one live run at a time: a second claim of a held number is refused, and released it can be claimed", async () => {
    const db = label("live")
    const release = await claimRedisDbNumber(claims, db, 60)
    expect(release).not.toBeNull()
    expect(await claimRedisDbNumber(claims, db, 60)).toBeNull()
    await release!()
    expect(await claims.get(redisDbClaimKey(db))).toBeNull()
    expect(await claimRedisDbNumber(claims, db, 60)).not.toBeNull()
  })

  it("a claim a killed run of this machine left is taken over at once; one of another machine waits for its expiry", async () => {
    const ended = pidOfEndedProcess()
    const mine = label("left-here")
    await claims.set(redisDbClaimKey(mine), `${os.hostname()}:${ended}:1`, "EX", 3600)
    expect(await claimRedisDbNumber(claims, mine, 60)).not.toBeNull()
    expect(await claims.get(redisDbClaimKey(mine))).toMatch(new RegExp(`^${os.hostname()}:${process.pid}:`))

    const elsewhere = label("left-elsewhere")
    await claims.set(redisDbClaimKey(elsewhere), `another-machine:${ended}:1`, "EX", 3600)
    expect(await claimRedisDbNumber(claims, elsewhere, 60)).toBeNull()
    expect(await claims.get(redisDbClaimKey(elsewhere))).toBe(`another-machine:${ended}:1`)
  })

  it("a run releases only its own claim, never one another run took over", async () => {
    const db = label("taken-over")
    const release = await claimRedisDbNumber(claims, db, 60)
    await claims.set(redisDbClaimKey(db), "another-machine:1:1", "EX", 60)
    await release!()
    expect(await claims.get(redisDbClaimKey(db))).toBe("another-machine:1:1")
  })
})
