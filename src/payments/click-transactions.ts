import type { MedusaContainer } from "@medusajs/framework/types"
import { CLICK_MODULE } from "../modules/click"
import type ClickModuleService from "../modules/click/service"

export type ClickTransactionRecord = Awaited<
  ReturnType<ClickModuleService["retrieveClickTransaction"]>
>

export function clickModule(container: MedusaContainer): ClickModuleService {
  return container.resolve<ClickModuleService>(CLICK_MODULE)
}

export async function findTransaction(
  container: MedusaContainer,
  filters: Record<string, unknown>
): Promise<ClickTransactionRecord | undefined> {
  const [transaction] = await clickModule(container).listClickTransactions(filters, { take: 1 })
  return transaction
}

/** Postgres unique_violation: another request recorded the same thing first. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: { code?: string } }
  return (
    e?.code === "23505" ||
    e?.cause?.code === "23505" ||
    /duplicate key|unique constraint|already exists/i.test(String(e?.message ?? ""))
  )
}
