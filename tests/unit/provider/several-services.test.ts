import { describe, expect, it } from "vitest"
import { MedusaError } from "@medusajs/framework/utils"
import { ClickErrorCode, refuseUnknownService, signedCompleteFields } from "../../../src/click"
import { connectClickService } from "../../../src/providers/click/connect"
import { isValidConfirmation } from "../../../src/providers/click/confirmation"
import {
  clickGatewayForCallback,
  clickMerchantGateway,
  clickMerchantGateways,
  clickRequestGuard,
  isPaymentOfService,
} from "../../../src/providers/click/merchant-gateway"
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
  const gatewayOfA = connectClickService(serviceOptions("31001", "secret-of-a", { allowedIps: "185.8.212.0/24" }))
  connectClickService(serviceOptions("31002", "secret-of-b", { allowedIps: "185.8.212.0/24" }))

  it("verifies each callback with the secret of the service it names, and stamps it with that secret only", () => {
    const forA = clickGatewayForCallback("31001")!.verifyCallback(debitOf("31001", "secret-of-a"), "complete")
    const forB = clickGatewayForCallback("31002")!.verifyCallback(debitOf("31002", "secret-of-b"), "complete")
    expect(forA).toMatchObject({ ok: true })
    expect(forB).toMatchObject({ ok: true })
    const subject = { cartId: "cart_a", amountTiyin: "100000", merchantPrepareId: "7" }
    expect(isValidConfirmation(subject, forA.confirmation!, "secret-of-a")).toBe(true)
    expect(isValidConfirmation(subject, forA.confirmation!, "secret-of-b")).toBe(false)
    expect(isValidConfirmation(subject, forB.confirmation!, "secret-of-b")).toBe(true)
  })

  it("a callback signed with one service's secret moves nothing of another service", () => {
    // Signed by A's secret, naming B: B's gateway checks it with B's secret.
    const forged = clickGatewayForCallback("31002")!.verifyCallback(debitOf("31002", "secret-of-a"), "complete")
    expect(forged).toMatchObject({ ok: false, error: ClickErrorCode.SignCheckFailed, reason: "signature" })
    expect(forged.confirmation).toBeUndefined()
  })

  it("finds a callback's service as the schemas read its service_id (a JSON number too); one naming no service of ours has no gateway, whatever signed it, and hears Click's -8", () => {
    expect(clickGatewayForCallback("39999")).toBeUndefined()
    expect(clickGatewayForCallback(undefined)).toBeUndefined()
    expect(clickGatewayForCallback(39999)).toBeUndefined()
    expect(clickGatewayForCallback("31001 ")).toBeUndefined()
    // A JSON body may carry the id as a number, as the schemas read it.
    expect(clickGatewayForCallback(31001)).toBe(gatewayOfA)
    expect(refuseUnknownService(debitOf("39999", "secret-of-a"))).toEqual({
      ok: false,
      error: ClickErrorCode.BadRequest,
      reason: "service_id:unknown",
      signatureValid: null,
      echo: { click_trans_id: "9100001", merchant_trans_id: "cart_a", merchant_prepare_id: "7" },
    })
    expect(refuseUnknownService("not a body")).toMatchObject({ ok: false, error: ClickErrorCode.BadRequest, echo: {} })
    // With several services, a payment that names none is of none: no "first" or "only" service answers for it.
    expect(() => clickMerchantGateway(null)).toThrow(/No Click provider is configured for service_id \(unknown\)/)
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
      /Click services 31001 and 31003 set different HTTP defences.*same values/
    )
    expect(clickRequestGuard().allowsCallbackFrom("203.0.113.5")).toBe(false)
  })

  it("the same options again (validateOptions at boot, then the constructor) are the same service, not a second one", () => {
    expect(connectClickService(serviceOptions("31001", "secret-of-a", { allowedIps: "185.8.212.0/24" }))).toBe(gatewayOfA)
    expect(clickMerchantGateways().map((gateway) => gateway.serviceId)).toEqual(["31001", "31002"])
  })

  it("refuses a second configuration of a connected service_id with other options, naming them and the fix, never their values", () => {
    const rotated = () => connectClickService(serviceOptions("31001", "rotated-secret", { allowedIps: "185.8.212.0/24", reconcileAfterSec: 60 }))
    expect(rotated).toThrow(MedusaError)
    expect(rotated).toThrow(
      /Click service_id 31001 is configured twice in this process with different options \(reconcileAfterSec, secretKey\).*restart the backend with the new key/
    )
    const message = (() => {
      try {
        rotated()
      } catch (error) {
        return (error as Error).message
      }
    })()
    expect(message).not.toMatch(/rotated-secret|secret-of-a/)
    // The first configuration still answers: its secret verifies, the new one does not.
    expect(clickGatewayForCallback("31001")).toBe(gatewayOfA)
    expect(gatewayOfA.verifyCallback(debitOf("31001", "secret-of-a"), "complete")).toMatchObject({ ok: true })
    expect(gatewayOfA.verifyCallback(debitOf("31001", "rotated-secret"), "complete")).toMatchObject({ ok: false, reason: "signature" })
    expect(gatewayOfA.reconcileAfterSec).toBe(900)
  })

  it("a service with the same HTTP defences joins the guard the first one made: its budgets are not reset", async () => {
    const guard = clickRequestGuard()
    for (let spent = 0; spent < 60; spent++) expect(await guard.spendUnverifiedCallback("185.8.212.77")).toEqual({ ok: true })
    connectClickService(serviceOptions("31004", "secret-of-d", { allowedIps: "185.8.212.0/24" }))
    expect(clickRequestGuard()).toBe(guard)
    expect(await clickRequestGuard().spendUnverifiedCallback("185.8.212.77")).toMatchObject({ ok: false })
  })
})
