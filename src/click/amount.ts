const TIYIN_PER_SOUM = 100n

// Click's wire format: up to 15 integer digits keeps every amount far inside
// what a bigint needs, and rules out anything exotic ("1e3", "-5", " 5").
const CLICK_AMOUNT = /^(\d{1,15})(?:\.(\d{1,2}))?$/

const PLAIN_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

/** Parses an amount string received from Click ("38400", "38400.0", "38400.00") into tiyin. */
export function parseSoumsToTiyin(amount: string): bigint | null {
  const match = CLICK_AMOUNT.exec(amount)
  if (!match) return null
  const [, soums, fraction = ""] = match
  return BigInt(soums) * TIYIN_PER_SOUM + BigInt(fraction.padEnd(2, "0"))
}

/**
 * Converts a decimal amount in major units (as Medusa stores it) to whole tiyin,
 * rounding half away from zero at the third decimal.
 */
export function decimalToTiyin(value: string): bigint {
  const match = PLAIN_DECIMAL.exec(value)
  if (!match) throw new Error(`Not a plain decimal amount: ${JSON.stringify(value)}`)
  const [, sign, whole, fraction = ""] = match
  const digits = fraction.padEnd(3, "0")
  const roundUp = Number(digits[2]) >= 5 ? 1n : 0n
  const magnitude = BigInt(whole) * TIYIN_PER_SOUM + BigInt(digits.slice(0, 2)) + roundUp
  return sign === "-" ? -magnitude : magnitude
}

/** Formats tiyin as soums with exactly two decimals ("38400.00"), as Click documents for pay links. */
export function formatTiyinAsSoums(tiyin: bigint): string {
  const sign = tiyin < 0n ? "-" : ""
  const magnitude = tiyin < 0n ? -tiyin : tiyin
  const soums = magnitude / TIYIN_PER_SOUM
  const fraction = (magnitude % TIYIN_PER_SOUM).toString().padStart(2, "0")
  return `${sign}${soums}.${fraction}`
}
