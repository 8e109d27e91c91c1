import { MathBN } from "@medusajs/framework/utils"
import { decimalToTiyin } from "../click"

/** Medusa keeps amounts in soums as BigNumber-like values; Click compares tiyin. */
export function medusaAmountToTiyin(amount: unknown): bigint {
  return decimalToTiyin(MathBN.convert(amount as never).toFixed())
}
