import { formatSignTime, formatTiyinAsSoums, parseSoumsToTiyin, signedCompleteFields, signedPrepareFields, type ClickCallbackInput } from "../click"

/** A fresh order the merchant's backend will accept a payment for. */
export interface CertificationOrder {
  merchantTransId: string
  /** What it owes, as Click sends it ("58400.00"). */
  amount: string
}

export interface CertificationConfig {
  prepareUrl: string
  completeUrl: string
  serviceId: string
  secretKey: string
  /** Four orders no one has paid yet. */
  orders: CertificationOrder[]
  /** The answer to a cancel of a confirmed payment: -4 (Click's table) or -9. */
  cancelOfConfirmedAnswer?: -4 | -9
  fetch?: typeof fetch
}

export interface CertificationStep {
  step: string
  sent: string
  expected: number
  received: number | string
  passed: boolean
}

export const ORDERS_NEEDED = 4

/**
 * Click's certification sequence (click-protocol.md §6), steps 1–15, then
 * what Click's own tool does not check: stale and future sign_time, a
 * Complete naming another order's prepare id, unknown prepare ids of every
 * length, and duplicate Completes in parallel. Each step is a real HTTP
 * callback, signed as Click signs it.
 */
export async function runCertification(config: CertificationConfig): Promise<CertificationStep[]> {
  if (config.orders.length < ORDERS_NEEDED) {
    throw new Error(`The certification needs ${ORDERS_NEEDED} fresh orders; ${config.orders.length} were given.`)
  }
  const post = config.fetch ?? fetch
  const steps: CertificationStep[] = []
  let nextTransId = Date.now() * 10
  const newTransId = () => String(nextTransId++)

  async function send(endpoint: "prepare" | "complete", fields: Record<string, string>) {
    try {
      const response = await post(endpoint === "prepare" ? config.prepareUrl : config.completeUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(30_000),
      })
      const text = await response.text()
      try {
        const body = JSON.parse(text) as Record<string, unknown>
        return typeof body.error === "number" ? body : { error: `no numeric error: ${text.slice(0, 80)}` }
      } catch {
        return { error: `HTTP ${response.status}, not JSON` }
      }
    } catch (error) {
      return { error: `no answer (${(error as Error).message})` }
    }
  }

  async function check(step: string, sent: string, expected: number, endpoint: "prepare" | "complete", fields: Record<string, string>) {
    const body = await send(endpoint, fields)
    steps.push({ step, sent, expected, received: body.error as number | string, passed: body.error === expected })
    return body
  }

  const sign = (endpoint: "prepare" | "complete", input: ClickCallbackInput) =>
    endpoint === "prepare" ? signedPrepareFields(input, config.secretKey) : signedCompleteFields(input, config.secretKey)
  const base = (order: CertificationOrder, clickTransId: string): ClickCallbackInput => ({
    clickTransId,
    serviceId: config.serviceId,
    merchantTransId: order.merchantTransId,
    amount: order.amount,
  })
  const prepareIdOf = (body: Record<string, unknown>) => String(body.merchant_prepare_id ?? "")
  const [first, second, third, fourth] = config.orders

  // 1–7: one order through a full payment.
  const t1 = newTransId()
  await check("1", "Prepare, bad signature", -1, "prepare", { ...sign("prepare", base(first, t1)), sign_string: "0".repeat(32) })
  const prepared1 = await check("2", "Prepare, valid", 0, "prepare", sign("prepare", base(first, t1)))
  const id1 = prepareIdOf(prepared1)
  const complete1 = { ...base(first, t1), merchantPrepareId: id1 }
  await check("3", "Complete, bad signature", -1, "complete", { ...sign("complete", complete1), sign_string: "f".repeat(32) })
  await check("4", "Complete, amount changed", -2, "complete", sign("complete", { ...complete1, amount: changedAmount(first.amount) }))
  await check("5", "Complete, valid, error=0", 0, "complete", sign("complete", complete1))
  await check("6", "Complete repeated", -4, "complete", sign("complete", complete1))
  await check("7", "Complete error=-1 on the confirmed payment", config.cancelOfConfirmedAnswer ?? -4, "complete", sign("complete", { ...complete1, error: "-1" }))

  // 8–11: an unknown order, then an unknown prepare id.
  await check("8", "Prepare, unknown merchant_trans_id", -5, "prepare", sign("prepare", { ...base(second, newTransId()), merchantTransId: `certify-unknown-${Date.now()}` }))
  const t2 = newTransId()
  const prepared2 = await check("9", "Prepare, valid, a new order", 0, "prepare", sign("prepare", base(second, t2)))
  await check("10", "Complete, unknown merchant_prepare_id", -6, "complete", sign("complete", { ...base(second, t2), merchantPrepareId: "999999999" }))
  await check("11", "Complete, valid", 0, "complete", sign("complete", { ...base(second, t2), merchantPrepareId: prepareIdOf(prepared2) }))

  // 12–15: a cancelled payment.
  const t3 = newTransId()
  const prepared3 = await check("12", "Prepare, valid, a new order", 0, "prepare", sign("prepare", base(third, t3)))
  const cancel3 = { ...base(third, t3), merchantPrepareId: prepareIdOf(prepared3), error: "-5017" }
  await check("13", "Complete error=-5017", -9, "complete", sign("complete", cancel3))
  await check("14", "Complete error=-5017 again", -9, "complete", sign("complete", cancel3))
  await check("15", "Complete error=0 on the cancelled payment", -9, "complete", sign("complete", { ...cancel3, error: "0" }))

  // Beyond Click's tool.
  const hour = 60 * 60 * 1000
  await check("x1", "Prepare signed an hour ago (stale sign_time)", -8, "prepare", sign("prepare", { ...base(fourth, newTransId()), signTime: formatSignTime(new Date(Date.now() - hour)) }))
  await check("x2", "Prepare signed an hour ahead (future sign_time)", -8, "prepare", sign("prepare", { ...base(fourth, newTransId()), signTime: formatSignTime(new Date(Date.now() + hour)) }))
  const t4 = newTransId()
  const prepared4 = await check("x3", "Prepare, valid, a new order", 0, "prepare", sign("prepare", base(fourth, t4)))
  await check("x4", "Complete naming another order's merchant_prepare_id", -6, "complete", sign("complete", { ...base(fourth, t4), merchantPrepareId: id1 }))
  for (const digits of [11, 12, 25]) {
    await check(`x5.${digits}`, `Complete, unknown merchant_prepare_id of ${digits} digits`, -6, "complete", sign("complete", { ...base(fourth, t4), merchantPrepareId: "9".repeat(digits) }))
  }
  const complete4 = sign("complete", { ...base(fourth, t4), merchantPrepareId: prepareIdOf(prepared4) })
  const parallel = await Promise.all(Array.from({ length: 10 }, () => send("complete", complete4)))
  const errors = parallel.map((body) => body.error)
  const zeros = errors.filter((error) => error === 0).length
  const repeats = errors.filter((error) => error === -4).length
  steps.push({
    step: "x6",
    sent: "10 identical valid Completes at once",
    expected: 0,
    received: `${zeros}× 0, ${repeats}× -4${zeros + repeats < 10 ? `, others: ${errors.filter((e) => e !== 0 && e !== -4).join(" ")}` : ""}`,
    passed: zeros === 1 && repeats === 9,
  })
  return steps
}

/** One tiyin more: the smallest change Click's amount check must catch. */
function changedAmount(amount: string): string {
  const tiyin = parseSoumsToTiyin(amount)
  if (tiyin === null) throw new Error(`The order's amount ${JSON.stringify(amount)} is not an amount as Click sends it (e.g. 58400.00).`)
  return formatTiyinAsSoums(tiyin + 1n)
}

export function formatCertificationTable(steps: CertificationStep[]): string {
  const rows = [["step", "sent", "expected", "received", "result"], ...steps.map((s) => [s.step, s.sent, String(s.expected), String(s.received), s.passed ? "pass" : "FAIL"])]
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)))
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd()).join("\n")
}
