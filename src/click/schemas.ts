import { z } from "zod"
import { parseSoumsToTiyin } from "./amount"

// Form bodies carry only strings; JSON bodies may carry numbers. A number is
// accepted only when String() restores it exactly (a safe integer), and a
// string is never reformatted, because the signature covers the exact text.
const safeIntegerAsString = z
  .number()
  .int()
  .transform((n) => String(n))

function wireValue(format: z.ZodString) {
  return z.union([z.string(), safeIntegerAsString]).pipe(format)
}

const DIGITS_UP_TO_19 = /^\d{1,19}$/
const INTEGER = /^-?\d+$/
const NO_CONTROL_CHARS = /^\P{Cc}*$/u

const commonFields = {
  click_trans_id: wireValue(z.string().regex(DIGITS_UP_TO_19)),
  service_id: wireValue(z.string().regex(DIGITS_UP_TO_19)),
  click_paydoc_id: wireValue(z.string().regex(DIGITS_UP_TO_19)).optional(),
  merchant_trans_id: wireValue(z.string().min(1).max(255).regex(NO_CONTROL_CHARS)),
  amount: wireValue(z.string().refine((value) => parseSoumsToTiyin(value) !== null)),
  // Only the shape is checked here: an unknown action value is answered with -3, not -8.
  action: wireValue(z.string().max(4).regex(INTEGER)),
  // Prepare's `error` decides nothing, so a tool that leaves it out is served.
  error: wireValue(z.string().max(10).regex(INTEGER)).optional().default("0"),
  error_note: wireValue(z.string().max(1024)).optional(),
  sign_time: wireValue(z.string().max(19)),
  sign_string: wireValue(z.string().min(1).max(64)),
}

/** The service_id a callback body names, read as the schemas read it (a JSON number too), or undefined when it names none. */
export function namedServiceId(value: unknown): string | undefined {
  const parsed = commonFields.service_id.safeParse(value)
  return parsed.success ? parsed.data : undefined
}

// merchant_prepare_id is left out on purpose: some tools send it empty on Prepare.
export const prepareRequestSchema = z.object(commonFields)

export const completeRequestSchema = z.object({
  ...commonFields,
  // Any run of digits: an unknown id, however long, is answered -6 ("transaction
  // does not exist"), not -8. The 8 KB body limit bounds its length.
  merchant_prepare_id: wireValue(z.string().regex(/^\d+$/)),
  // Complete's `error` says whether the card was debited: a missing one is a
  // malformed request (-8), never read as "debited".
  error: wireValue(z.string().max(10).regex(INTEGER)),
})

export type PrepareRequest = z.infer<typeof prepareRequestSchema>
export type CompleteRequest = z.infer<typeof completeRequestSchema>
