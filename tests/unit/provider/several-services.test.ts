import { describe, expect, it } from "vitest"
import { ClickErrorCode, signedCompleteFields } from "../../../src/click"
import { connectClickService } from "../../../src/providers/click/connect"
import { isValidConfirmation } from "../../../src/providers/click/confirmation"
import { clickGatewayForCallback, clickRequestGuard, isPaymentOfService } from "../../../src/providers/click/merchant-gateway"
import { isClickProviderId } from "../../../src/providers/click/ids"
import { parseClickOptions } from "../../../src/providers/click/options"

const serviceOptions = (serviceId: string, secretKey: string, extra: Record<string, unknown> = {}) =>
  parseClickOptions({
    serviceId,
    merchantId: "100",
    merchantUserId: "200",
    secretKey,
    merchantApiUrl: "http://127.0.0.1:9/v2/merchant/",
    ...extra,
  })

const debitOf = (serviceId: string, secretKey: string) =>
  signedCompleteFields(
    { clickTransId: "9100001", serviceId, merchantTransId: "cart_a", amount: "1000.00", merchantPrepareId: 7 },
    secretKey
  )

describe("several Click services in one process", () => {
  connectClickService(serviceOptions("31001", "secret-of-a", { allowedIps: "185.8.212.0/24" }))
  connectClickService(serviceOptions("31002", "secret-of-b", { allowedIps: "185.8.212.0/24" }))

  it("verifies each callback with the secret of the service it names, and stamps it with that secret only", () => {
    const forA = clickGatewayForCallback("31001").verifyCallback(debitOf("31001", "secret-of-a"), "complete")
    const forB = clickGatewayForCallback("31002").verifyCallback(debitOf("31002", "secret-of-b"), "complete")
    expect(forA).toMatchObject({ ok: true })
    expect(forB).toMatchObject({ ok: true })
    const subject = { cartId: "cart_a", amountTiyin: "100000", merchantPrepareId: "7" }
    expect(isValidConfirmation(subject, forA.confirmation!, "secret-of-a")).toBe(true)
    expect(isValidConfirmation(subject, forA.confirmation!, "secret-of-b")).toBe(false)
    expect(isValidConfirmation(subject, forB.confirmation!, "secret-of-b")).toBe(true)
  })

  it("a callback signed with one service's secret moves nothing of another service", () => {
    // Signed by A's secret, naming B: B's gateway checks it with B's secret.
    const forged = clickGatewayForCallback("31002").verifyCallback(debitOf("31002", "secret-of-a"), "complete")
    expect(forged).toMatchObject({ ok: false, error: ClickErrorCode.SignCheckFailed, reason: "signature" })
    expect(forged.confirmation).toBeUndefined()
  })

  it("a callback naming no service of ours is refused as a single service refuses a foreign one", () => {
    const signedByA = clickGatewayForCallback("39999").verifyCallback(debitOf("39999", "secret-of-a"), "complete")
    expect(signedByA).toMatchObject({ ok: false, error: ClickErrorCode.BadRequest, reason: "service_id" })
    const signedByNobody = clickGatewayForCallback("39999").verifyCallback(debitOf("39999", "other"), "complete")
    expect(signedByNobody).toMatchObject({ ok: false, error: ClickErrorCode.SignCheckFailed })
  })

  it("a payment belongs to the service it was recorded with; one without a service to none when there are several", () => {
    expect(isPaymentOfService("31001", "31001")).toBe(true)
    expect(isPaymentOfService("31002", "31001")).toBe(false)
    expect(isPaymentOfService(null, "31001")).toBe(false)
    expect(isPaymentOfService(undefined, "31002")).toBe(false)
  })

  it("tells every Click provider instance by its id, and no other provider", () => {
    for (const id of ["pp_click_click", "pp_click_brand-b", "pp_click"]) expect(isClickProviderId(id)).toBe(true)
    for (const id of ["pp_system_default", "pp_clickpay_a", "ppXclickXa", undefined]) expect(isClickProviderId(id)).toBe(false)
  })

  it("shares one set of HTTP defences, and refuses a service that asks for different ones", () => {
    expect(clickRequestGuard().allowsCallbackFrom("185.8.212.10")).toBe(true)
    expect(clickRequestGuard().allowsCallbackFrom("203.0.113.5")).toBe(false)
    expect(() => connectClickService(serviceOptions("31003", "secret-of-c", { allowedIps: "203.0.113.0/24" }))).toThrow(
      /Click services 31002 and 31003 set different HTTP defences.*same values/
    )
    expect(clickRequestGuard().allowsCallbackFrom("203.0.113.5")).toBe(false)
  })
})
