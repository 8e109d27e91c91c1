import { z } from "zod"
import { CLICK_MERCHANT_API_URL } from "../../click"

const digits = (name: string) =>
  z
    .union([z.string(), z.number().int().nonnegative()])
    .transform((value) => String(value).trim())
    .pipe(z.string().regex(/^\d{1,19}$/, `${name} must be a number issued by Click`))

const secondsOption = (fallback: number) =>
  z.coerce.number().int().nonnegative().default(fallback)

export const clickOptionsSchema = z.object({
  serviceId: digits("serviceId"),
  merchantId: digits("merchantId"),
  merchantUserId: digits("merchantUserId"),
  secretKey: z.string().trim().min(1),
  returnUrl: z.string().min(1).optional(),
  payUrl: z.url().default("https://my.click.uz/services/pay"),
  cardType: z.enum(["uzcard", "humo"]).optional(),
  signTimeToleranceSec: secondsOption(300),
  signTimeFutureSec: secondsOption(60),
  cancelOfConfirmedAnswer: z.union([z.literal(-4), z.literal(-9)]).default(-4),
  /** Click's Merchant API (status, reversal); a local double in sandbox mode. */
  merchantApiUrl: z.url().default(CLICK_MERCHANT_API_URL),
  merchantApiTimeoutMs: z.coerce.number().int().positive().default(10_000),
  /** Partial refunds become Click partial reversals, which Click documents poorly: off unless asked for. */
  partialRefunds: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((value) => value === "true")])
    .default(false),
  /** A Prepare without its Complete is looked up at Click after this many seconds. */
  reconcileAfterSec: secondsOption(900),
})

export type ClickOptions = z.infer<typeof clickOptionsSchema>

const environmentNames: Record<string, string> = {
  serviceId: "CLICK_SERVICE_ID",
  merchantId: "CLICK_MERCHANT_ID",
  merchantUserId: "CLICK_MERCHANT_USER_ID",
  secretKey: "CLICK_SECRET_KEY",
  merchantApiUrl: "CLICK_MERCHANT_API_URL",
  reconcileAfterSec: "CLICK_RECONCILE_AFTER_SEC",
}

/** Parses provider options, or explains in one sentence per problem which option to fix. */
export function parseClickOptions(raw: unknown): ClickOptions {
  const given = stripEmpty(raw)
  const parsed = clickOptionsSchema.safeParse(given)
  if (parsed.success) {
    return parsed.data
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
