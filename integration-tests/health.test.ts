import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"

describe("the Medusa application with the Click plugin", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("answers /health", async () => {
    const response = await backend.http.get("/health")
    expect(response.status).toBe(200)
  })

  it("lists the seeded UZS region with Click among its payment providers through the store API", async () => {
    const regions = await backend.http
      .get("/store/regions")
      .set("x-publishable-api-key", backend.publishableKey)
    expect(regions.status).toBe(200)
    const uzbekistan = regions.body.regions.find((r: { name: string }) => r.name === "Uzbekistan")
    expect(uzbekistan).toMatchObject({ currency_code: "uzs" })
    expect(uzbekistan.countries.map((c: { iso_2: string }) => c.iso_2)).toEqual(["uz"])

    const providers = await backend.http
      .get(`/store/payment-providers?region_id=${uzbekistan.id}`)
      .set("x-publishable-api-key", backend.publishableKey)
    expect(providers.status).toBe(200)
    expect(providers.body.payment_providers.map((p: { id: string }) => p.id)).toContain("pp_click_click")
  })

  it("refuses store requests without the publishable key", async () => {
    const response = await backend.http.get("/store/regions")
    expect(response.status).toBe(400)
  })
})
