import { describe, expect, it } from "vitest"
import { STORED_TEXT_MAX_CHARS, storedText } from "../../../src/modules/click/stored-text"

describe("the text a Click record keeps", () => {
  it("keeps a short text whole and cuts a long one at the limit", () => {
    expect(storedText("Click refused: -5017")).toBe("Click refused: -5017")
    const page = "<html>" + "x".repeat(10_000)
    expect(storedText(page)).toBe(page.slice(0, STORED_TEXT_MAX_CHARS))
    expect(storedText(page)).toHaveLength(2000)
  })

  it("keeps no text as none", () => {
    expect(storedText(null)).toBeNull()
    expect(storedText(undefined)).toBeNull()
  })
})
