import { describeOnRunRedis } from "./harness/redis-db"
import { describeTwoProcesses } from "./harness/two-processes"

describeOnRunRedis("two backend processes locking with Redis", (redisUrl) => describeTwoProcesses("Redis (REDIS_URL)", { REDIS_URL: redisUrl }))
