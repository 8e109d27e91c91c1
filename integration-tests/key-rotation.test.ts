import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sharedBackend, type Backend } from "./harness/backend"
import { clickComplete, clickPrepare, newClickTransId } from "./harness/click"
import { sharedProfiles } from "./harness/shared-backends"
import { countOrdersForCart, createPayableCart, waitForPaymentState } from "./harness/storefront"
import { clickMerchant } from "./harness/test-env"

/**
 * Rotating the secret key without downtime: the backend runs with the new key
 * and still accepts the old one until CLICK_PREVIOUS_SECRET_KEY_UNTIL, so
 * callbacks Click signs on either side of its own switch all count. The shared
 * default backend is mid-rotation: its key is the tests' Click merchant's, the
 * retired one is still accepted. (The window's end is unit-tested with a clock:
 * tests/unit/click/verify-callback.test.ts.)
 */
const OLD_KEY = sharedProfiles.default.CLICK_PREVIOUS_SECRET_KEY
const NEW_KEY = clickMerchant.secretKey

describe("secret key rotation", () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await sharedBackend("default")
  })
  afterAll(async () => {
    await backend?.stop()
  })

  it("a Prepare signed with the old key and its Complete signed with the new one place the order", async () => {
    const cart = await createPayableCart(backend)
    const clickTransId = newClickTransId()
    const prepared = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, clickTransId, secretKey: OLD_KEY })
    expect(prepared.body.error).toBe(0)
    const completed = await clickComplete(backend, {
      cartId: cart.cartId,
      amount: cart.amount,
      clickTransId,
      merchantPrepareId: prepared.body.merchant_prepare_id,
      secretKey: NEW_KEY,
    })
    expect(completed.body.error).toBe(0)
    await waitForPaymentState(backend, { clickTransId }, ["placed"])
    expect(await countOrdersForCart(backend, cart.cartId)).toBe(1)
  })

  it("refuses a callback signed with any other key", async () => {
    const cart = await createPayableCart(backend)
    const refused = await clickPrepare(backend, { cartId: cart.cartId, amount: cart.amount, secretKey: "someone-else" })
    expect(refused.body.error).toBe(-1)
  })
})
