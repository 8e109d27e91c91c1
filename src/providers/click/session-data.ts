import { MedusaError } from "@medusajs/framework/utils"
import { z } from "zod"

const tiyin = z.string().regex(/^\d+$/, "must be a whole number of tiyin")
const merchantPrepareId = z.number().int().positive()

/**
 * What a Click payment session stores in Medusa's `payment_session.data`, and
 * Medusa copies onto the Payment it authorizes. Read only through
 * parseClickSessionData: data of any other shape is never acted on.
 */
const clickSessionDataSchema = z.object({
  cart_id: z.string().min(1),
  merchant_trans_id: z.string().min(1),
  session_id: z.string(),
  /** What is owed, in soums with two decimals, as it appears in the pay link. */
  amount: z.string(),
  amount_tiyin: tiyin,
  currency_code: z.literal("uzs"),
  /** The Click service this session pays with (its provider's serviceId): Prepare refuses a callback of any other. Absent in sessions older than it. */
  service_id: z.string().optional(),
  payment_url: z.string(),
  /** The Complete's stamp, copied in by the placement once Click confirmed the payment. */
  click_confirmation: z.object({ merchant_prepare_id: merchantPrepareId, token: z.string() }).optional(),
  /** Written on Medusa's Payment when its order is placed: only such a payment can be refunded. */
  click_placed: z
    .object({ order_id: z.string().min(1), paydoc_id: z.string().nullable(), merchant_prepare_id: merchantPrepareId })
    .optional(),
  /** Refunds recorded for admin refunds: reversed by Click, or returned outside Click by a person (Click refused). */
  click_reversals: z
    .array(z.object({ amount_tiyin: tiyin, at: z.string(), by: z.enum(["click", "outside_click"]).optional() }))
    .optional(),
})

export type ClickSessionData = z.infer<typeof clickSessionDataSchema>

/** What the placement's stamp writes through the payment module (confirmation-stamp.ts); the provider rebuilds the rest. */
const clickSessionStampSchema = clickSessionDataSchema.pick({ cart_id: true, session_id: true, click_confirmation: true })

export type ClickSessionStamp = z.infer<typeof clickSessionStampSchema>

/** A Click session's (or its Payment's) data; anything else is refused with the reason, and nothing is done with it. */
export function parseClickSessionData(data: unknown): ClickSessionData {
  return parseOrRefuse(clickSessionDataSchema, data, "the Click payment session's data")
}

/** The data of a stamp update (the provider's updatePayment). */
export function parseClickSessionStamp(data: unknown): ClickSessionStamp {
  return parseOrRefuse(clickSessionStampSchema, data, "the Click payment session update's data")
}

function parseOrRefuse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    `${what} is not what the Click provider writes (${issue.path.join(".") || "data"}: ${issue.message}): nothing is authorized or refunded with it.`
  )
}
