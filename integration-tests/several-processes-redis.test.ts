import { describe, it } from "vitest"
import { NO_REDIS } from "./harness/redis-db"
import { describeTwoProcesses } from "./harness/two-processes"

// The run's Redis (harness/redis-server.ts): TEST_REDIS_URL, or a private redis-server. A
// machine with neither fails this file, naming what to install.
const redisUrl = process.env.TEST_REDIS_URL
if (redisUrl) describeTwoProcesses("Redis (REDIS_URL)", { REDIS_URL: redisUrl })
else
  describe("two backend processes locking with Redis", () =>
    it("has a Redis to lock with", () => {
      throw new Error(NO_REDIS)
    })
  )
