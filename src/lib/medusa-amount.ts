import { MathBN } from "@medusajs/framework/utils"
import { decimalToTiyin } from "../click"

/** Medusa keeps amounts in soums as BigNumber-like values; Click compares tiyin. */
export function medusaAmountToTiyin(amount: unknown): bigint {
  return decimalToTiyin(MathBN.convert(amount as never).toFixed())
}

/** A tiyin count stored in a bigNumber column, back as the exact integer. */
export function storedTiyin(value: unknown): bigint {
  return BigInt(MathBN.convert(value as never).toFixed(0))
}
