import type { MedusaRequest, MedusaResponse } from "@medusajs/framework/http"
import { sandboxClickFor } from "../sandbox-page"

/**
 * GET /click-sandbox/sms?card_token=…: the SMS code Click sent to the card's
 * phone when a customer added a card, which the demo shop shows in place of
 * a phone → { masked_card_number, sms_code }. Sandbox only, for the callers
 * the sandbox serves; no log line carries it.
 */
export async function GET(req: MedusaRequest, res: MedusaResponse) {
  const click = sandboxClickFor(req, res)
  if (!click) return
  const cardToken = (req.query as Record<string, unknown>).card_token
  const sms = typeof cardToken === "string" ? await click.cardSms(cardToken) : null
  if (!sms) return res.status(404).json({ message: "No such card token" })
  res.setHeader("cache-control", "no-store")
  res.json(sms)
}
