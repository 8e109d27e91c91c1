// One Redis db number per run at a time: the tests' Redis files and the bench empty the db they
// use, so each claims its number first, as a key in the server's db 0.
import os from "node:os"

/** The key that claims db `db`. */
export const redisDbClaimKey = (db) => `medusa-payment-click:test-redis-db:${db}`

/** Replaces the claim only if it still holds the owner that was read (no other run took it meanwhile). */
const TAKE_OVER = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("SET", KEYS[1], ARGV[2], "EX", ARGV[3]) end return nil`

/** Whether `owner` names a process of this machine that is gone (its run was killed before it let go). */
function ownerIsGone(owner) {
  const [host, pid] = owner.split(":")
  if (host !== os.hostname() || !/^\d+$/.test(pid ?? "")) return false
  try {
    process.kill(Number(pid), 0)
    return false
  } catch (error) {
    return error.code === "ESRCH"
  }
}

/**
 * Claims db `db` for this process for `ttlSec` (a claim left by a run that died elsewhere runs
 * out then); a claim whose owner was a process of this machine that is gone is taken over at
 * once. Resolves with a release function (on `claims`, or on another client of db 0 when that
 * one is closed by then), or null when another live run holds the number.
 * @param {import("ioredis").default} claims a client of the server's db 0
 * @param {number | string} db
 * @param {number} ttlSec
 * @returns {Promise<((client?: import("ioredis").default) => Promise<void>) | null>}
 */
export async function claimRedisDbNumber(claims, db, ttlSec) {
  const key = redisDbClaimKey(db)
  const owner = `${os.hostname()}:${process.pid}:${Date.now()}`
  let claimed = (await claims.set(key, owner, "EX", ttlSec, "NX")) === "OK"
  if (!claimed) {
    const held = await claims.get(key)
    claimed = held !== null && ownerIsGone(held) && (await claims.eval(TAKE_OVER, 1, key, held, owner, ttlSec)) === "OK"
  }
  if (!claimed) return null
  return async (client = claims) => {
    if ((await client.get(key)) === owner) await client.del(key)
  }
}
