/**
 * Click's fiscal receipt (OFD) for one payment: `payment/ofd_data/submit_items`.
 * Every amount is integer tiyin. Items carry the line total before discounts
 * (`Price`), the line's share of every discount (`Discount`) and the VAT
 * included in what was paid for the line, so that the items sum exactly to
 * what Click took.
 */

export const FISCAL_LIMITS = { name: 63, spic: 17, packageCode: 20, tin: 9, pinfl: 14 } as const

/** One receipt line: an order line or a shipping charge. */
export interface FiscalLine {
  name: string
  /** Units sold (a whole number, at least 1). */
  quantity: number
  /** The line's total before any discount, in tiyin. */
  totalTiyin: bigint
  /** The line's share of every discount (its own and the cart's promotions), in tiyin. */
  discountTiyin: bigint
  /** The product's IKPU code (SPIC). */
  spic: string | null
  packageCode: string | null
  /** Whole percent, included in the price (12 in Uzbekistan today, 0 when exempt). */
  vatPercent: number
  units?: number | null
  barcode?: string | null
}

export type FiscalSeller = { tin: string } | { pinfl: string }

export interface FiscalReceiptInput {
  serviceId: string
  /** Click's payment id (`click_paydoc_id`). */
  paymentId: string
  lines: FiscalLine[]
  /** What Click debited, in tiyin. */
  paidTiyin: bigint
  seller: FiscalSeller
}

export interface FiscalItem {
  Name: string
  SPIC: string
  PackageCode: string
  Price: number
  Amount: number
  VAT: number
  VATPercent: number
  CommissionInfo: { TIN: string } | { PINFL: string }
  Discount: number
  GoodPrice?: number
  Units?: number
  Barcode?: string
}

/** The request body; the ids stay digit strings (a payment id can exceed 2^53) and go out as JSON numbers. */
export interface SubmitItemsBody {
  service_id: string
  payment_id: string
  items: FiscalItem[]
  received_ecash: number
  received_cash: number
  received_card: number
}

export type FiscalReceiptResult =
  | { ok: true; body: SubmitItemsBody }
  /** Lines without a product code or package code: no receipt can be sent for them. */
  | { ok: false; problem: "missing_codes"; names: string[] }
  /** The items would not sum to what Click took: never send a wrong receipt. */
  | { ok: false; problem: "sum_mismatch"; itemsTiyin: bigint; paidTiyin: bigint }
  | { ok: false; problem: "invalid"; detail: string }

const DECIMAL = /^(\d+)(?:\.(\d+))?$/

/**
 * Exact amounts in soums (decimal strings, as Medusa computes them: a cart
 * promotion spread over lines leaves fractions of a tiyin) rounded to whole
 * tiyin that add up to exactly `totalTiyin`: each is rounded down, and the
 * tiyin still missing go to the amounts with the largest remainders. Null when
 * the amounts do not add up to the total within a tiyin per amount.
 */
export function apportionTiyin(amountsInSoums: string[], totalTiyin: bigint): bigint[] | null {
  const parsed = amountsInSoums.map((amount) => DECIMAL.exec(amount))
  if (parsed.some((match) => !match)) return null
  const matches = parsed as RegExpExecArray[]
  const scale = Math.min(12, Math.max(2, ...matches.map((match) => match[2]?.length ?? 0)))
  const unitsPerTiyin = 10n ** BigInt(scale - 2)
  const scaled = matches.map(([, whole, fraction = ""]) => BigInt(whole + fraction.slice(0, scale).padEnd(scale, "0")))
  const floors = scaled.map((value) => value / unitsPerTiyin)
  let missing = totalTiyin - floors.reduce((sum, value) => sum + value, 0n)
  if (missing < 0n || missing > BigInt(floors.length)) return null
  const byRemainder = scaled
    .map((value, index) => ({ index, remainder: value % unitsPerTiyin }))
    .sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const { index } of byRemainder) {
    if (missing === 0n) break
    floors[index] += 1n
    missing -= 1n
  }
  return floors
}

/** VAT included in `grossTiyin` at `percent`, rounded half up to the tiyin. */
export function includedVatTiyin(grossTiyin: bigint, percent: number): bigint {
  if (percent === 0 || grossTiyin <= 0n) return 0n
  const numerator = grossTiyin * BigInt(percent) * 2n
  const denominator = BigInt(100 + percent) * 2n
  return (numerator + denominator / 2n) / denominator
}

/** Name cut to Click's 63 characters (by code point, never splitting a character). */
export function fiscalName(name: string): string {
  const characters = Array.from(name.trim().replace(/\s+/g, " "))
  return characters.slice(0, FISCAL_LIMITS.name).join("")
}

function toSafeNumber(value: bigint, what: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`${what} is out of range: ${value}`)
  }
  return Number(value)
}

export function buildFiscalReceipt(input: FiscalReceiptInput): FiscalReceiptResult {
  const missing = input.lines.filter((line) => !line.spic || !line.packageCode).map((line) => line.name)
  if (missing.length) {
    return { ok: false, problem: "missing_codes", names: [...new Set(missing)] }
  }
  const seller =
    "tin" in input.seller
      ? /^\d{9}$/.test(input.seller.tin) && { TIN: input.seller.tin }
      : /^\d{14}$/.test(input.seller.pinfl) && { PINFL: input.seller.pinfl }
  if (!seller) {
    return { ok: false, problem: "invalid", detail: "the seller's TIN must be 9 digits, a PINFL 14 digits" }
  }
  if (!/^\d{1,19}$/.test(input.serviceId) || !/^\d{1,19}$/.test(input.paymentId)) {
    return { ok: false, problem: "invalid", detail: "service_id and payment_id must be numbers" }
  }
  const items: FiscalItem[] = []
  let itemsTiyin = 0n
  try {
    for (const line of input.lines) {
      const spic = line.spic!.trim()
      const packageCode = line.packageCode!.trim()
      if (spic.length > FISCAL_LIMITS.spic || packageCode.length > FISCAL_LIMITS.packageCode) {
        return { ok: false, problem: "invalid", detail: `${line.name}: SPIC ≤ 17 and package code ≤ 20 characters` }
      }
      if (!Number.isInteger(line.quantity) || line.quantity < 1) {
        return { ok: false, problem: "invalid", detail: `${line.name}: quantity ${line.quantity} is not a whole number ≥ 1` }
      }
      if (!Number.isInteger(line.vatPercent) || line.vatPercent < 0 || line.vatPercent > 100) {
        return { ok: false, problem: "invalid", detail: `${line.name}: VAT percent ${line.vatPercent} is not a whole percent` }
      }
      const net = line.totalTiyin - line.discountTiyin
      if (line.discountTiyin < 0n || net < 0n) {
        return { ok: false, problem: "invalid", detail: `${line.name}: the discount exceeds the line's total` }
      }
      const quantity = BigInt(line.quantity)
      const item: FiscalItem = {
        Name: fiscalName(line.name),
        SPIC: spic,
        PackageCode: packageCode,
        Price: toSafeNumber(line.totalTiyin, "Price"),
        Amount: line.quantity,
        VAT: toSafeNumber(includedVatTiyin(net, line.vatPercent), "VAT"),
        VATPercent: line.vatPercent,
        CommissionInfo: seller,
        Discount: toSafeNumber(line.discountTiyin, "Discount"),
      }
      // The unit price, only when it is a whole number of tiyin.
      if (line.totalTiyin % quantity === 0n) item.GoodPrice = toSafeNumber(line.totalTiyin / quantity, "GoodPrice")
      if (line.units != null) item.Units = line.units
      if (line.barcode) item.Barcode = line.barcode
      items.push(item)
      itemsTiyin += net
    }
  } catch (error) {
    return { ok: false, problem: "invalid", detail: (error as Error).message }
  }
  if (itemsTiyin !== input.paidTiyin) {
    return { ok: false, problem: "sum_mismatch", itemsTiyin, paidTiyin: input.paidTiyin }
  }
  return {
    ok: true,
    body: {
      service_id: input.serviceId,
      payment_id: input.paymentId,
      items,
      // Click is an electronic payment: neither cash nor a card at a till.
      received_ecash: toSafeNumber(input.paidTiyin, "received_ecash"),
      received_cash: 0,
      received_card: 0,
    },
  }
}
