import type { MedusaContainer } from "@medusajs/framework/types"
import type { Logger } from "pino"
import { clickModule } from "./click-transactions"

/** What a call to Click's Merchant API showed about our own credentials. */
export type CredentialsSign =
  /** 401/403: Click refused our merchantUserId, secretKey, serviceId or clock. */
  | { refused: true; detail: string }
  /** Click answered (a payment's or an invoice's status, a debit, its explicit "not found"): the credentials work. */
  | { refused: false }

const alertKey = (serviceId: string) => `merchant_api_credentials:${serviceId}`

/**
 * 401/403 mean our own configuration is wrong, never that a payment is
 * unknown: one admin alert (click_alert) and one log line naming the fix,
 * whichever process and path (reconciliation, placement's debit check, a
 * saved-card debit, an invoice or its status) sees it first. The next proper
 * answer from Click closes the alert. Answers that say nothing (5xx,
 * timeouts, other 4xx) are not passed here.
 */
export async function noteMerchantApiCredentials(
  container: MedusaContainer,
  serviceId: string,
  sign: CredentialsSign,
  log: Logger
): Promise<void> {
  // The alert is for people: failing to write it must never stop or fail the work that asked Click.
  await noteCredentials(container, serviceId, sign, log).catch((error) =>
    log.warn({ service_id: serviceId, err: (error as Error)?.message }, "could not record the Merchant API credentials alert")
  )
}

async function noteCredentials(container: MedusaContainer, serviceId: string, sign: CredentialsSign, log: Logger): Promise<void> {
  const { alerts } = clickModule(container)
  const key = alertKey(serviceId)
  if (sign.refused) {
    const message =
      `Click's Merchant API refuses this backend's credentials for service_id ${serviceId} (${sign.detail}). ` +
      `Fix: set the provider options merchantUserId and secretKey (CLICK_MERCHANT_USER_ID, CLICK_SECRET_KEY) to the Merchant API ` +
      `user id and secret key of this service in the Click merchant cabinet, check serviceId (CLICK_SERVICE_ID), and check that this ` +
      `server's clock is right. Until then no debit is verified, no order is placed for a Complete, and payments without a ` +
      `Complete are neither confirmed nor cancelled.`
    if (await alerts.raiseAlert({ key, service_id: serviceId, message })) {
      log.error({ service_id: serviceId, alert: key }, message)
    }
    return
  }
  if (await alerts.resolveAlert(key)) {
    log.info({ service_id: serviceId, alert: key }, "Click's Merchant API accepts this backend's credentials again")
  }
}
