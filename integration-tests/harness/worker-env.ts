import { inject } from "vitest"

// The run's Merchant API double (click-merchant-api.ts), for the backends this worker starts (testEnv()).
process.env.CLICK_TEST_MERCHANT_API_URL = inject("clickMerchantApi").url
