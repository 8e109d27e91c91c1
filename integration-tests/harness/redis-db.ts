import Redis from "ioredis"
import { describe, it } from "vitest"
import { claimRedisDbNumber, redisDbClaimKey } from "../../scripts/lib/redis-claim.mjs"

/**
 * Why a Redis file fails on a machine with no Redis for the run: it proves the
 * Redis paths or nothing, so it is never skipped.
 */
export const NO_REDIS =
  "No Redis for this run: install redis-server (apt-get install -y redis-server; the run starts a private one) or set TEST_REDIS_URL"

/**
 * A describe block on the run's Redis (harness/redis-server.ts: TEST_REDIS_URL, or a private
 * redis-server). On a machine with neither, the block is one failing case naming what to install.
 */
export function describeOnRunRedis(title: string, body: (redisUrl: string) => void) {
  const redisUrl = process.env.TEST_REDIS_URL
  describe(title, () => {
    if (redisUrl) body(redisUrl)
    else
      it("has a Redis for this run", () => {
        throw new Error(NO_REDIS)
      })
  })
}

/** A claim left by a run that died on another machine runs out after this long. */
const CLAIM_TTL_SEC = 3600

export interface RedisDb {
  /** `redisUrl` with the claimed db number: what the backends are given. */
  url: string
  client: Redis
  /** Empties the db and gives up the claim. */
  release(): Promise<void>
}

/**
 * A Redis db number (1–15) of this run's own at `redisUrl`, claimed with
 * SET NX so that concurrent runs (other test files, the bench) never share
 * one, and emptied: only that db is ever flushed. Fails with what to do when
 * Redis does not answer, so a CI without a usable Redis fails instead of
 * skipping.
 */
export async function claimRedisDb(redisUrl: string): Promise<RedisDb> {
  const claims = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null })
  claims.on("error", () => {})
  try {
    await claims.connect()
    await claims.ping()
  } catch (error) {
    claims.disconnect()
    throw new Error(
      `TEST_REDIS_URL=${redisUrl} is set, but Redis does not answer there (${(error as Error).message}). ` +
        "Start redis-server (.ci/run does) or unset TEST_REDIS_URL to leave the Redis tests out."
    )
  }
  for (let db = 1; db <= 15; db++) {
    const releaseClaim = await claimRedisDbNumber(claims, db, CLAIM_TTL_SEC)
    if (!releaseClaim) continue
    const url = new URL(redisUrl)
    url.pathname = `/${db}`
    const client = new Redis(url.toString())
    await client.flushdb()
    return {
      url: url.toString(),
      client,
      async release() {
        await client.flushdb()
        client.disconnect()
        await releaseClaim()
        claims.disconnect()
      },
    }
  }
  claims.disconnect()
  throw new Error(`every Redis db 1–15 at ${redisUrl} is claimed by another run (keys ${redisDbClaimKey(1)}…${redisDbClaimKey(15)})`)
}
