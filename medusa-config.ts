import { defineConfig, loadEnv } from "@medusajs/framework/utils"

loadEnv(process.env.NODE_ENV || "development", process.cwd())

const env = process.env
const storeUrl = env.STORE_URL || "http://localhost:8000"
const backendUrl = env.BACKEND_URL || `http://localhost:${env.PORT || 9000}`

// Per-cart locks must hold across every backend process sharing the database:
// Postgres advisory locks need no extra server; Redis is used when configured.
const lockingProvider = env.REDIS_URL
  ? {
      resolve: "@medusajs/medusa/locking-redis",
      id: "locking-redis",
      is_default: true,
      options: { redisUrl: env.REDIS_URL },
    }
  : {
      resolve: "@medusajs/medusa/locking-postgres",
      id: "locking-postgres",
      is_default: true,
    }

// A backend split into server and worker instances (MEDUSA_WORKER_MODE, Medusa's production
// layout) must share events and workflow executions across processes: Redis carries both.
// These lines are the README's "Deploying to production" block (integration-tests/server-worker.test.ts).
const splitInstancesModules =
  env.REDIS_URL && env.MEDUSA_WORKER_MODE
    ? [
        { resolve: "@medusajs/medusa/event-bus-redis", options: { redisUrl: env.REDIS_URL } },
        { resolve: "@medusajs/medusa/workflow-engine-redis", options: { redis: { redisUrl: env.REDIS_URL } } },
      ]
    : []

// The Click service's provider options (README "Configuration"). Each Click service is a provider
// instance of its own, `pp_click_<id>`, enabled in the regions that pay with it.
const clickOptions = {
  serviceId: env.CLICK_SERVICE_ID,
  merchantId: env.CLICK_MERCHANT_ID,
  merchantUserId: env.CLICK_MERCHANT_USER_ID,
  secretKey: env.CLICK_SECRET_KEY,
  previousSecretKey: env.CLICK_PREVIOUS_SECRET_KEY,
  previousSecretKeyUntil: env.CLICK_PREVIOUS_SECRET_KEY_UNTIL,
  // Unset in sandbox mode: the pay link opens this backend's own Click page.
  payUrl: env.CLICK_PAY_URL || undefined,
  // Sandbox mode returns to the demo shop's page unless CLICK_RETURN_URL names your storefront's.
  returnUrl:
    env.CLICK_RETURN_URL ||
    (env.CLICK_SANDBOX === "true"
      ? `${backendUrl}/click-sandbox/shop/return?cart_id={cart_id}`
      : `${storeUrl}/checkout/click/return?cart_id={cart_id}`),
  cardType: env.CLICK_CARD_TYPE || undefined,
  signTimeToleranceSec: env.CLICK_SIGN_TIME_TOLERANCE_SEC
    ? Number(env.CLICK_SIGN_TIME_TOLERANCE_SEC)
    : undefined,
  cancelOfConfirmedAnswer: env.CLICK_CANCEL_OF_CONFIRMED_ANSWER
    ? Number(env.CLICK_CANCEL_OF_CONFIRMED_ANSWER)
    : undefined,
  merchantApiUrl: env.CLICK_MERCHANT_API_URL || undefined,
  verifyPayments: env.CLICK_VERIFY_PAYMENTS || undefined,
  merchantApiTimeoutMs: env.CLICK_MERCHANT_API_TIMEOUT_MS || undefined,
  partialRefunds: env.CLICK_PARTIAL_REFUNDS || undefined,
  reconcileAfterSec: env.CLICK_RECONCILE_AFTER_SEC || undefined,
  reconcileCancelAnswers: env.CLICK_RECONCILE_CANCEL_ANSWERS || undefined,
  reconcileCancelSpreadSec: env.CLICK_RECONCILE_CANCEL_SPREAD_SEC || undefined,
  reconcileInProgressHorizonSec: env.CLICK_RECONCILE_IN_PROGRESS_HORIZON_SEC || undefined,
  sandbox: env.CLICK_SANDBOX || undefined,
  sandboxPublic: env.CLICK_SANDBOX_PUBLIC || undefined,
  callbackBaseUrl: backendUrl,
  allowedIps: env.CLICK_ALLOWED_IPS || undefined,
  trustProxy: env.CLICK_TRUST_PROXY || undefined,
  unsignedCallbacksPerMinute: env.CLICK_UNSIGNED_CALLBACKS_PER_MIN || undefined,
  statusRequestsPerMinute: env.CLICK_STATUS_REQUESTS_PER_MIN || undefined,
  fiscalization: {
    enabled: env.CLICK_FISCAL_ENABLED,
    tin: env.CLICK_FISCAL_TIN,
    pinfl: env.CLICK_FISCAL_PINFL,
    spic: env.CLICK_FISCAL_SPIC,
    packageCode: env.CLICK_FISCAL_PACKAGE_CODE,
    vatPercent: env.CLICK_FISCAL_VAT_PERCENT,
    units: env.CLICK_FISCAL_UNITS,
    shippingSpic: env.CLICK_FISCAL_SHIPPING_SPIC,
    shippingPackageCode: env.CLICK_FISCAL_SHIPPING_PACKAGE_CODE,
    shippingVatPercent: env.CLICK_FISCAL_SHIPPING_VAT_PERCENT,
  },
}

// A second Click service in the same backend (another legal entity or brand, README "Several Click
// services"): its own provider instance, pp_click_<CLICK_SECOND_PROVIDER_ID>, with its own service id,
// merchant ids and secret; the HTTP defences of the shared Click routes must be the same as the first's.
const secondClickService = env.CLICK_SECOND_SERVICE_ID
  ? [
      {
        resolve: "./src/providers/click",
        id: env.CLICK_SECOND_PROVIDER_ID || "second",
        options: {
          ...clickOptions,
          serviceId: env.CLICK_SECOND_SERVICE_ID,
          merchantId: env.CLICK_SECOND_MERCHANT_ID,
          merchantUserId: env.CLICK_SECOND_MERCHANT_USER_ID,
          secretKey: env.CLICK_SECOND_SECRET_KEY,
          previousSecretKey: undefined,
          previousSecretKeyUntil: undefined,
          merchantApiUrl: env.CLICK_SECOND_MERCHANT_API_URL || undefined,
        },
      },
    ]
  : []

module.exports = defineConfig({
  projectConfig: {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL || undefined,
    workerMode: (env.MEDUSA_WORKER_MODE || "shared") as "shared" | "worker" | "server",
    http: {
      storeCors: env.STORE_CORS || storeUrl,
      adminCors: env.ADMIN_CORS || backendUrl,
      authCors: env.AUTH_CORS || `${storeUrl},${backendUrl}`,
      jwtSecret: env.JWT_SECRET || "supersecret",
      cookieSecret: env.COOKIE_SECRET || "supersecret",
    },
  },
  // The admin dashboard is on unless MEDUSA_ADMIN=false (the tests' backends turn it off).
  admin: { disable: env.MEDUSA_ADMIN === "false" },
  modules: [
    { resolve: "./src/modules/click" },
    {
      resolve: "@medusajs/medusa/payment",
      options: {
        providers: [
          {
            resolve: "./src/providers/click",
            id: "click",
            options: clickOptions,
          },
          ...secondClickService,
        ],
      },
    },
    {
      resolve: "@medusajs/medusa/locking",
      options: { providers: [lockingProvider] },
    },
    ...splitInstancesModules,
  ],
})
