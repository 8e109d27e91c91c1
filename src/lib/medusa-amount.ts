import { BigNumber, MathBN } from "@medusajs/framework/utils"
import { z } from "zod"
import { decimalToTiyin } from "../click"

/**
 * An amount as Medusa hands it over: a number, a decimal string, its
 * BigNumber, or the raw `{ value }` it stores. A missing amount is not 0.
 */
export const medusaAmountSchema = z.union([
  z.number(),
  z.string(),
  z.instanceof(BigNumber),
  z.object({ value: z.union([z.string(), z.number()]) }),
])

/** A Medusa amount as its exact decimal string; anything else throws, naming what it was. */
export function medusaDecimal(amount: unknown): string {
  const parsed = medusaAmountSchema.safeParse(amount)
  const exact = parsed.success ? MathBN.convert(parsed.data) : null
  if (!exact?.isFinite()) {
    throw new Error(`Not a Medusa amount: ${typeof amount === "bigint" ? `${amount}n` : JSON.stringify(amount) ?? String(amount)}`)
  }
  return exact.toFixed()
}

/** Medusa keeps amounts in soums as BigNumber-like values; Click compares tiyin. */
export function medusaAmountToTiyin(amount: unknown): bigint {
  return decimalToTiyin(medusaDecimal(amount))
}

/** A tiyin count stored in a bigNumber column, back as the exact integer. */
export function storedTiyin(value: unknown): bigint {
  const decimal = medusaDecimal(value)
  if (!/^-?\d+$/.test(decimal)) throw new Error(`Not a whole number of tiyin: ${decimal}`)
  return BigInt(decimal)
}
