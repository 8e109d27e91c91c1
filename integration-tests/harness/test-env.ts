export { clickMerchant, testEnv } from "../../scripts/lib/test-env.mjs"
