import { describe, expect, it } from "vitest"
import { partialReversalNotInMedusa, type ReversalRow } from "../../../src/payments/money-back/click-reversals"

const reversal = (id: string, amountTiyin: number, status: ReversalRow["status"], full = false): ReversalRow => ({
  id,
  transaction_id: "clicktx_1",
  paydoc_id: "900",
  amount_tiyin: String(amountTiyin),
  full_reversal: full,
  status,
  requested_by: "admin_refund",
  click_error_code: null,
  click_answer: null,
  sent_at: new Date(),
  settled_at: null,
  settled_by: null,
  settled_note: null,
})

describe("a partial reversal Click made that Medusa has no refund for", () => {
  it("is found when no refund of Medusa's stands for it", () => {
    const rows = [reversal("a", 100_000, "done")]
    expect(partialReversalNotInMedusa(rows, 100_000n, [])?.id).toBe("a")
  })

  it("is not found when Medusa recorded a refund of its amount, nor for another amount", () => {
    const rows = [reversal("a", 100_000, "done")]
    expect(partialReversalNotInMedusa(rows, 100_000n, [100_000n])).toBeUndefined()
    expect(partialReversalNotInMedusa(rows, 50_000n, [])).toBeUndefined()
  })

  it("matches Medusa's refunds one for one: two reversals of one amount and one refund leave one over", () => {
    const rows = [reversal("a", 100_000, "done"), reversal("b", 100_000, "done")]
    expect(partialReversalNotInMedusa(rows, 100_000n, [100_000n])?.id).toBe("b")
    expect(partialReversalNotInMedusa(rows, 100_000n, [100_000n, 100_000n])).toBeUndefined()
  })

  it("counts only done partial reversals: refused, not done, uncertain and full ones moved no money or are settled elsewhere", () => {
    const rows = [
      reversal("refused", 100_000, "refused"),
      reversal("not_done", 100_000, "not_done"),
      reversal("sent", 100_000, "sent"),
      reversal("full", 100_000, "done", true),
    ]
    expect(partialReversalNotInMedusa(rows, 100_000n, [])).toBeUndefined()
  })
})
