import type { TestProject } from "vitest/node"
import { startMerchantApiDouble, type MerchantApiDouble } from "../../src/sandbox/merchant-api-double"
import { clickMerchant } from "./test-env"

declare module "vitest" {
  export interface ProvidedContext {
    /** Click's Merchant API for the run's backends: the project's double (its Click paths and its control API). */
    clickMerchantApi: { url: string; controlUrl: string }
  }
}

/**
 * Click's Merchant API for every backend of the run that does not bring its
 * own double: one real double over HTTP, started in the run's main process
 * before any backend. Click asks nothing of it; the tests, playing Click,
 * record each debit in its ledger before they send Click's Complete
 * (harness/click.ts), and the backends ask it whether a Complete's money was
 * taken before they place an order. testEnv() hands its URL to every backend
 * (CLICK_TEST_MERCHANT_API_URL → CLICK_MERCHANT_API_URL).
 */
const shared = globalThis as typeof globalThis & { clickMerchantApiRun?: { double: Promise<MerchantApiDouble>; users: number } }

export default async function setup(project: TestProject) {
  shared.clickMerchantApiRun ??= {
    double: startMerchantApiDouble({
      serviceId: clickMerchant.serviceId,
      merchantUserId: clickMerchant.merchantUserId,
      secretKey: clickMerchant.secretKey,
    }),
    users: 0,
  }
  shared.clickMerchantApiRun.users++
  const double = await shared.clickMerchantApiRun.double
  process.env.CLICK_TEST_MERCHANT_API_URL = double.url
  project.provide("clickMerchantApi", { url: double.url, controlUrl: double.controlUrl })

  return async () => {
    const current = shared.clickMerchantApiRun
    if (!current || --current.users > 0) return
    shared.clickMerchantApiRun = undefined
    await double.stop()
  }
}
