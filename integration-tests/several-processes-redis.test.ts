import { describe, it } from "vitest"
import { describeTwoProcesses } from "./harness/two-processes"

// The run's Redis (harness/redis-server.ts): TEST_REDIS_URL, or a private redis-server. Only a
// machine with neither leaves this file out, with the run's warning saying so.
const redisUrl = process.env.TEST_REDIS_URL
if (redisUrl) describeTwoProcesses("Redis (REDIS_URL)", { REDIS_URL: redisUrl })
else describe("two backend processes locking with Redis", () => it.skip("needs redis-server installed, or TEST_REDIS_URL (a Redis to lock with)", () => {}))
