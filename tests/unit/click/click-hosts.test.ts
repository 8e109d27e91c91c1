import { describe, expect, it } from "vitest"
import { CLICK_MERCHANT_API_URL, isClickProductionUrl } from "../../../src/click"
import { CLICK_PAY_URL } from "../../../src/providers/click/options"

describe("isClickProductionUrl", () => {
  it("knows Click's own pay page and Merchant API, and any other click.uz host", () => {
    for (const url of [CLICK_PAY_URL, CLICK_MERCHANT_API_URL, "https://click.uz/", "http://API.Click.UZ./v2/", "https://my.click.uz:443/x"]) {
      expect(isClickProductionUrl(url), url).toBe(true)
    }
  })

  it("does not mistake a look-alike or a local URL for Click", () => {
    for (const url of ["https://notclick.uz/", "https://click.uz.example.com/", "http://127.0.0.1:9000/click-sandbox/pay", "http://localhost/click.uz"]) {
      expect(isClickProductionUrl(url), url).toBe(false)
    }
  })
})
