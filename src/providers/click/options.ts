import { z } from "zod"
import { isClickProductionUrl } from "../../click"
import { DEFAULT_REQUEST_GUARD, parseAllowList } from "../../lib/request-guard"

const digits = (name: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((value) => String(value).trim())
    .pipe(z.string().regex(/^\d{1,19}$/, `${name} must be a number issued by Click`))

/** A boolean, also from the environment's "true" / "false" (z.coerce would read "false" as true). */
const flag = z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]).default(false)

/** Like flag, on unless turned off. */
const onByDefault = z.union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")]).default(true)

const secondsOption = (fallback: number) =>
  z.coerce.number().int().nonnegative().default(fallback)

/** A list, also from the environment's comma-separated text. */
const addressList = z
  .preprocess((value) => (typeof value === "string" ? value.split(",") : value), z.array(z.string().trim()))
  .transform((entries) => entries.filter(Boolean))
  .superRefine((entries, context) => {
    try {
      parseAllowList(entries)
    } catch (error) {
      context.addIssue({ code: "custom", message: (error as Error).message })
    }
  })

const fiscalCode = (max: number) => z.string().trim().min(1).max(max).optional()

/**
 * Fiscal receipts (OFD) through Click: the seller's TIN or PINFL, and the
 * defaults for every line (products override them with the metadata keys
 * click_spic, click_package_code, click_vat_percent, click_units on the
 * variant or the product). Shipping lines use `shipping*`, then the defaults.
 */
export const fiscalizationSchema = z
  .object({
    enabled: flag,
    tin: z.string().trim().regex(/^\d{9}$/, "a TIN is 9 digits").optional(),
    pinfl: z.string().trim().regex(/^\d{14}$/, "a PINFL is 14 digits").optional(),
    spic: fiscalCode(17),
    packageCode: fiscalCode(20),
    vatPercent: z.coerce.number().int().min(0).max(100).default(12),
    units: z.coerce.number().int().optional(),
    shippingSpic: fiscalCode(17),
    shippingPackageCode: fiscalCode(20),
    shippingVatPercent: z.coerce.number().int().min(0).max(100).optional(),
  })
  .refine((f) => !f.enabled || !!f.tin !== !!f.pinfl, {
    message: "with fiscalization enabled, give exactly one of tin (9 digits) or pinfl (14 digits)",
  })

export type FiscalizationOptions = z.infer<typeof fiscalizationSchema>

export const clickOptionsSchema = z.object({
  serviceId: digits("serviceId"),
  merchantId: digits("merchantId"),
  merchantUserId: digits("merchantUserId"),
  secretKey: z.string().trim().min(1),
  /** Key rotation: the old key keeps signing valid callbacks until previousSecretKeyUntil. */
  previousSecretKey: z.string().trim().min(1).optional(),
  previousSecretKeyUntil: z.coerce.date().optional(),
  returnUrl: z.string().min(1).optional(),
  /** Click's pay page; in sandbox mode this backend's own (`callbackBaseUrl` + /click-sandbox/pay). */
  payUrl: z.url().optional(),
  cardType: z.enum(["uzcard", "humo"]).optional(),
  signTimeToleranceSec: secondsOption(300),
  signTimeFutureSec: secondsOption(60),
  cancelOfConfirmedAnswer: z.union([z.literal(-4), z.literal(-9)]).default(-4),
  /** Click's Merchant API (status, reversal). Unset: Click's own, or in sandbox mode the local double. */
  merchantApiUrl: z.url().optional(),
  merchantApiTimeoutMs: z.coerce.number().int().positive().default(10_000),
  /**
   * Before an order is placed for a confirmed payment, ask Click's Merchant API
   * (payment/status by click_paydoc_id) whether the money was taken: Click does
   * not sign Complete's `error`, so only that answer proves a debit. Off: an
   * order on the Complete alone (a warning at boot names the risk).
   */
  verifyPayments: onByDefault,
  /** Partial refunds become Click partial reversals, which Click documents poorly: off unless asked for. */
  partialRefunds: flag,
  /** Local development: Click's pay page and Merchant API are played by this backend. Never in production. */
  sandbox: flag,
  /** Sandbox mode: the local pay page and demo shop serve any address, not only this machine's own. */
  sandboxPublic: flag,
  /** Sandbox mode: where the local pay page sends Click's callbacks (this backend's public URL). */
  callbackBaseUrl: z.url().default("http://localhost:9000"),
  /** A Prepare without its Complete is looked up at Click after this many seconds. */
  reconcileAfterSec: secondsOption(900),
  /** Reconciliation cancels a Prepare only after this many consecutive "no" answers from Click… */
  reconcileCancelAnswers: z.coerce.number().int().min(2).default(3),
  /** …the first and the last at least this many seconds apart (default an hour). */
  reconcileCancelSpreadSec: secondsOption(3600),
  /** A payment Click reports in progress for this long is no longer asked and needs a person (default 24 h). */
  reconcileInProgressHorizonSec: secondsOption(86_400),
  fiscalization: z.preprocess((value) => stripEmpty(value), fiscalizationSchema).optional(),
  /** Only these addresses or networks may send callbacks (none: any source). */
  allowedIps: addressList.default([...DEFAULT_REQUEST_GUARD.allowedIps]),
  /** Behind a reverse proxy: the caller is the nearest proxy's X-Forwarded-For entry. */
  trustProxy: flag,
  /** Per address and minute, unverifiable callbacks still stored in the audit table (0: no cap). */
  unsignedCallbacksPerMinute: z.coerce.number().int().nonnegative().default(DEFAULT_REQUEST_GUARD.unsignedCallbacksPerMinute),
  /** Per address and minute, requests to the store's Click status route (0: no limit). */
  statusRequestsPerMinute: z.coerce.number().int().nonnegative().default(DEFAULT_REQUEST_GUARD.statusRequestsPerMinute),
})

export const CLICK_PAY_URL = "https://my.click.uz/services/pay"

/** The warning printed at boot when payments are not verified with Click (null when they are). */
export function unverifiedPaymentsWarning(options: Pick<ClickOptions, "verifyPayments">): string | null {
  return options.verifyPayments
    ? null
    : 'Click provider option "verifyPayments" (CLICK_VERIFY_PAYMENTS) is off: orders are placed on Click\'s Complete callback alone, without asking Click\'s Merchant API whether the money was taken. Click does not sign the Complete\'s "error" field, so anyone who captured a declined Complete (error=-5017) can replay it with error=0 within the sign_time window and get an order for money never taken. Turn it back on (the default) unless you accept that risk.'
}

export type ClickOptions = Omit<z.infer<typeof clickOptionsSchema>, "payUrl"> & { payUrl: string }

const rotationIsComplete = (options: Pick<ClickOptions, "previousSecretKey" | "previousSecretKeyUntil">) => !options.previousSecretKey === !options.previousSecretKeyUntil

const environmentNames: Record<string, string> = {
  serviceId: "CLICK_SERVICE_ID",
  merchantId: "CLICK_MERCHANT_ID",
  merchantUserId: "CLICK_MERCHANT_USER_ID",
  secretKey: "CLICK_SECRET_KEY",
  previousSecretKey: "CLICK_PREVIOUS_SECRET_KEY",
  previousSecretKeyUntil: "CLICK_PREVIOUS_SECRET_KEY_UNTIL",
  merchantApiUrl: "CLICK_MERCHANT_API_URL",
  verifyPayments: "CLICK_VERIFY_PAYMENTS",
  reconcileAfterSec: "CLICK_RECONCILE_AFTER_SEC",
  reconcileCancelAnswers: "CLICK_RECONCILE_CANCEL_ANSWERS",
  reconcileCancelSpreadSec: "CLICK_RECONCILE_CANCEL_SPREAD_SEC",
  reconcileInProgressHorizonSec: "CLICK_RECONCILE_IN_PROGRESS_HORIZON_SEC",
  sandbox: "CLICK_SANDBOX",
  sandboxPublic: "CLICK_SANDBOX_PUBLIC",
  payUrl: "CLICK_PAY_URL",
  fiscalization: "CLICK_FISCAL_*",
  allowedIps: "CLICK_ALLOWED_IPS",
  trustProxy: "CLICK_TRUST_PROXY",
  unsignedCallbacksPerMinute: "CLICK_UNSIGNED_CALLBACKS_PER_MIN",
  statusRequestsPerMinute: "CLICK_STATUS_REQUESTS_PER_MIN",
}

/** Parses provider options, or explains in one sentence per problem which option to fix. */
export function parseClickOptions(raw: unknown, env: NodeJS.ProcessEnv = process.env): ClickOptions {
  const given = stripEmpty(raw)
  const parsed = clickOptionsSchema.safeParse(given)
  if (parsed.success) {
    if (!rotationIsComplete(parsed.data)) {
      throw new Error(
        'Click provider options "previousSecretKey" (CLICK_PREVIOUS_SECRET_KEY) and "previousSecretKeyUntil" (CLICK_PREVIOUS_SECRET_KEY_UNTIL, an ISO date and time) go together: give both to accept the old key until then, or neither.'
      )
    }
    if (parsed.data.sandbox && env.NODE_ENV === "production") {
      throw new Error(
        'Click provider option "sandbox" (CLICK_SANDBOX) is on while NODE_ENV=production: sandbox mode answers for Click\'s Merchant API locally and must never take real payments. Set CLICK_SANDBOX=false and your real Click credentials.'
      )
    }
    const realClick = (["payUrl", "merchantApiUrl"] as const).filter((name) => {
      const url = parsed.data[name]
      return url !== undefined && isClickProductionUrl(url)
    })
    if (parsed.data.sandbox && realClick.length) {
      const named = realClick.map((name) => `"${name}" (${environmentNames[name]})`).join(" and ")
      throw new Error(
        `Click provider option "sandbox" (CLICK_SANDBOX) is on while ${named} point${realClick.length > 1 ? "" : "s"} at Click's real servers: sandbox mode signs Click's callbacks with this backend's own key and must never meet real payments. Unset ${realClick.map((name) => environmentNames[name]).join(" and ")} to use the local sandbox, or set CLICK_SANDBOX=false to take real payments.`
      )
    }
    const { sandbox, callbackBaseUrl, payUrl } = parsed.data
    return {
      ...parsed.data,
      payUrl: payUrl ?? (sandbox ? `${callbackBaseUrl.replace(/\/$/, "")}/click-sandbox/pay` : CLICK_PAY_URL),
    }
  }
  const problems = parsed.error.issues.map((issue) => {
    const option = String(issue.path[0] ?? "options")
    const env = environmentNames[option]
    const value = (given as Record<string, unknown> | undefined)?.[option]
    const missing = value === undefined || (typeof value === "string" && !value.trim())
    const what = missing ? "is required" : `is invalid (${issue.message})`
    return `Click provider option "${option}"${env ? ` (${env})` : ""} ${what}`
  })
  throw new Error(
    `${problems.join("; ")}. The backend does not start without them: Click callbacks could not be verified.`
  )
}

function stripEmpty(raw: unknown): Record<string, unknown> {
  if (!raw || typeof raw !== "object") {
    return {}
  }
  return Object.fromEntries(
    Object.entries(raw).filter(([, value]) => value !== undefined && value !== null && value !== "")
  )
}
