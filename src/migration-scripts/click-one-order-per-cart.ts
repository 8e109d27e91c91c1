import type { MedusaContainer } from "@medusajs/framework/types"
import { installOneOrderPerClickCart } from "../payments/medusa-tables"

/**
 * The database's refusal of a second order for a cart paid with Click
 * (medusa-tables.ts). A migration script, not a module migration: `db:migrate`
 * runs scripts after it has created Medusa's link tables, which the triggers
 * are on. Replaying it is harmless.
 */
export default async function oneOrderPerClickCart({ container }: { container: MedusaContainer }) {
  await installOneOrderPerClickCart(container)
}
