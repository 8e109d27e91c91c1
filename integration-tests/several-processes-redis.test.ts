import { describe, it } from "vitest"
import { describeTwoProcesses } from "./harness/two-processes"

// CI sets TEST_REDIS_URL (.ci/run); elsewhere this file says what it did not prove.
const redisUrl = process.env.TEST_REDIS_URL
if (redisUrl) describeTwoProcesses("Redis (REDIS_URL)", { REDIS_URL: redisUrl })
else describe("two backend processes locking with Redis", () => it.skip("needs TEST_REDIS_URL (a Redis to lock with)", () => {}))
