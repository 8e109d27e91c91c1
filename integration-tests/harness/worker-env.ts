import { inject } from "vitest"

// The run's Merchant API double (click-merchant-api.ts), for the backends this worker starts (testEnv()).
process.env.CLICK_TEST_MERCHANT_API_URL = inject("clickMerchantApi").url

// The run's Redis (redis-server.ts): CI's TEST_REDIS_URL, or a private redis-server the run started.
const redisUrl = inject("redisUrl")
if (redisUrl) process.env.TEST_REDIS_URL = redisUrl
