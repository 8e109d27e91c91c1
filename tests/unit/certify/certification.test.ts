import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { afterEach, describe, expect, it } from "vitest"
import { formatCertificationTable, runCertification } from "../../../src/certify/certification"

/** A merchant that answers every callback with the same code: wrong for almost every step. */
async function sloppyMerchant(error: number): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" })
      response.end(JSON.stringify({ error, error_note: "whatever", merchant_prepare_id: 1 }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}

const orders = Array.from({ length: 4 }, (_, i) => ({ merchantTransId: `order-${i}`, amount: "1000.00" }))

describe("certification runner against a wrong merchant", () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  it("fails and names the failing steps when the merchant accepts everything", async () => {
    const merchant = await sloppyMerchant(0)
    server = merchant.server
    const steps = await runCertification({
      prepareUrl: `${merchant.url}/prepare`,
      completeUrl: `${merchant.url}/complete`,
      serviceId: "1",
      secretKey: "s",
      orders,
    })
    const failed = steps.filter((step) => !step.passed).map((step) => step.step)
    expect(failed).toContain("1")
    expect(failed).toContain("6")
    expect(failed).toContain("x6")
    expect(steps.find((step) => step.step === "2")).toMatchObject({ passed: true, received: 0 })
    const table = formatCertificationTable(steps)
    expect(table).toMatch(/^1\s+Prepare, bad signature\s+-1\s+0\s+FAIL$/m)
  })

  it("reports a merchant that does not answer in Click's JSON shape", async () => {
    const steps = await runCertification({
      prepareUrl: "http://127.0.0.1:1/prepare",
      completeUrl: "http://127.0.0.1:1/complete",
      serviceId: "1",
      secretKey: "s",
      orders,
    })
    expect(steps.every((step) => !step.passed)).toBe(true)
    expect(String(steps[0].received)).toMatch(/no answer/)
  })

  it("needs four fresh orders", async () => {
    await expect(
      runCertification({ prepareUrl: "http://x", completeUrl: "http://x", serviceId: "1", secretKey: "s", orders: orders.slice(0, 2) })
    ).rejects.toThrow(/4 fresh orders/)
  })
})
