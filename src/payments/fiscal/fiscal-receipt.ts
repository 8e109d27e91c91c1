import type { MedusaContainer } from "@medusajs/framework/types"
import { ContainerRegistrationKeys } from "@medusajs/framework/utils"
import type { Logger } from "pino"
import { z } from "zod"
import { apportionTiyin, buildFiscalReceipt, ClickMerchantApiError, type FiscalLine } from "../../click"
import { FiscalReceiptStatus, type FiscalReceiptStatusValue } from "../../modules/click"
import { clickMerchantGateway } from "../../providers/click/merchant-gateway"
import type { FiscalizationOptions } from "../../providers/click/options"
import { medusaAmountSchema, medusaAmountToTiyin, medusaDecimal, storedTiyin } from "../../lib/medusa-amount"
import { clickModule } from "../click-transactions"
import { paymentPolicy } from "../policy"

/** Metadata keys a product or variant sets to override the fiscal defaults (the variant's win). */
export const FISCAL_METADATA = {
  spic: "click_spic",
  packageCode: "click_package_code",
  vatPercent: "click_vat_percent",
  units: "click_units",
} as const

export type FiscalSubmission = FiscalReceiptStatusValue | "not_due"

function fiscalizationOf(serviceId: string | null): FiscalizationOptions | null {
  try {
    return clickMerchantGateway(serviceId).fiscalization
  } catch {
    // No provider for that service in this backend: no receipts either.
    return null
  }
}

/**
 * Runs a placement's recording of its order (`record`, told what the fiscal
 * track of `placed` starts with: `pending` when the payment's Click service
 * sends fiscal receipts) and, once it is recorded, starts the receipt without
 * waiting for it; the fiscal job retries it if this process stops first.
 */
export async function recordOrderWithFiscalReceipt<T>(
  container: MedusaContainer,
  payment: { id: string; service_id: string | null },
  log: Logger,
  record: (fiscalStatus: FiscalReceiptStatusValue | undefined) => Promise<T>
): Promise<T> {
  const fiscalStatus = fiscalizationOf(payment.service_id) ? FiscalReceiptStatus.Pending : undefined
  const recorded = await record(fiscalStatus)
  if (fiscalStatus) {
    submitFiscalReceipt(container, payment.id, log).catch((error) =>
      log.error({ err: (error as Error)?.message }, "fiscal receipt submission failed; the job retries")
    )
  }
  return recorded
}

const metadataSchema = z.record(z.string(), z.unknown()).nullish()
type Metadata = z.infer<typeof metadataSchema>

/** The order as fiscalLinesOfOrder's query.graph reads it: what a receipt line is made of. */
const fiscalOrderSchema = z.object({
  items: z
    .array(
      z.object({
        id: z.string(),
        title: z.string().nullish(),
        product_title: z.string().nullish(),
        variant_title: z.string().nullish(),
        quantity: medusaAmountSchema,
        original_total: medusaAmountSchema,
        total: medusaAmountSchema,
        variant: z.object({ metadata: metadataSchema, product: z.object({ metadata: metadataSchema }).nullish() }).nullish(),
      })
    )
    .nullish(),
  shipping_methods: z
    .array(z.object({ id: z.string(), name: z.string(), original_total: medusaAmountSchema, total: medusaAmountSchema }))
    .nullish(),
})

function pick(key: string, ...sources: Metadata[]): string | undefined {
  for (const source of sources) {
    const value = source?.[key]
    if (value !== undefined && value !== null && String(value).trim() !== "") return String(value).trim()
  }
  return undefined
}

function wholeNumber(value: string | undefined, fallback: number): number {
  return value !== undefined && /^\d{1,3}$/.test(value) ? Number(value) : fallback
}

/** A receipt line before rounding: what was paid for it, exactly, in soums. */
type ExactLine = Omit<FiscalLine, "discountTiyin"> & { paidSoums: string }

const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

/**
 * Receipt lines by name, then id: the order module returns them in no fixed
 * order, a retried receipt must be the same receipt, and apportioning the
 * tiyin fractions depends on line order.
 */
function byNameThenId(a: { id: string; name: string }, b: { id: string; name: string }): number {
  return byCodeUnits(a.name, b.name) || byCodeUnits(a.id, b.id)
}

/**
 * The order as receipt lines: each item with its total before discounts and
 * what was paid for it after every discount (Medusa spreads cart-level
 * promotions over the items as adjustments, in fractions of a tiyin), and
 * each shipping method the same way. The fractions are apportioned so that
 * the lines add up to exactly what Click took.
 */
async function fiscalLinesOfOrder(
  container: MedusaContainer,
  orderId: string,
  fiscal: FiscalizationOptions,
  paidTiyin: bigint
): Promise<FiscalLine[]> {
  const query = container.resolve(ContainerRegistrationKeys.QUERY)
  const { data } = await query.graph({
    entity: "order",
    fields: [
      "id",
      // The order module computes line totals only when an order total is asked for.
      "total",
      // The line's quantity lives in the order's item detail, which only "items.*" brings.
      "items.*",
      "items.original_total",
      "items.total",
      "items.variant.metadata",
      "items.variant.product.metadata",
      "shipping_methods.*",
      "shipping_methods.original_total",
      "shipping_methods.total",
    ],
    filters: { id: orderId },
  })
  if (!data[0]) throw new Error(`order ${orderId} was not found`)
  const parsed = fiscalOrderSchema.safeParse(data[0])
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`order ${orderId} cannot be read for its receipt (${issue.path.join(".")}: ${issue.message}): no receipt was sent`)
  }
  const order = parsed.data
  const lines: ExactLine[] = []
  const namedItems = (order.items ?? []).map((item) => ({
    item,
    id: item.id,
    name: [item.product_title ?? item.title, item.variant_title].filter((part) => part && part !== "Default variant").join(" "),
  }))
  for (const { item, name } of namedItems.sort(byNameThenId)) {
    const variant = item.variant?.metadata
    const product = item.variant?.product?.metadata
    const total = medusaAmountToTiyin(item.original_total)
    const units = pick(FISCAL_METADATA.units, variant, product)
    lines.push({
      name,
      quantity: Number(medusaDecimal(item.quantity)),
      totalTiyin: total,
      paidSoums: medusaDecimal(item.total),
      spic: pick(FISCAL_METADATA.spic, variant, product) ?? fiscal.spic ?? null,
      packageCode: pick(FISCAL_METADATA.packageCode, variant, product) ?? fiscal.packageCode ?? null,
      vatPercent: wholeNumber(pick(FISCAL_METADATA.vatPercent, variant, product), fiscal.vatPercent),
      units: units !== undefined ? Number(units) : fiscal.units ?? null,
    })
  }
  for (const method of [...(order.shipping_methods ?? [])].sort(byNameThenId)) {
    const total = medusaAmountToTiyin(method.original_total)
    if (total === 0n) continue
    lines.push({
      name: method.name,
      quantity: 1,
      totalTiyin: total,
      paidSoums: medusaDecimal(method.total),
      spic: fiscal.shippingSpic ?? fiscal.spic ?? null,
      packageCode: fiscal.shippingPackageCode ?? fiscal.packageCode ?? null,
      vatPercent: fiscal.shippingVatPercent ?? fiscal.vatPercent,
      units: fiscal.units ?? null,
    })
  }
  // Lines that cannot be apportioned are rounded one by one; the receipt then
  // fails its sum check and is never sent.
  const paid = apportionTiyin(lines.map((line) => line.paidSoums), paidTiyin) ??
    lines.map((line) => medusaAmountToTiyin(line.paidSoums))
  return lines.map(({ paidSoums: _exact, ...line }, index) => ({ ...line, discountTiyin: line.totalTiyin - paid[index] }))
}

/**
 * Sends a placed payment's fiscal receipt to Click, once: the work is claimed
 * (one process at a time, fenced by its attempt). A receipt that cannot be
 * exact is never sent: products without codes wait for them, anything else
 * that does not add up goes to a person. Click being unreachable is retried
 * with backoff; a lost answer is settled by asking Click for the receipt.
 */
export async function submitFiscalReceipt(
  container: MedusaContainer,
  transactionId: string,
  log: Logger
): Promise<FiscalSubmission> {
  const payments = clickModule(container)
  const claim = await payments.fiscalTrack.claimFiscalWork(transactionId, paymentPolicy().leaseSec)
  if (!claim) return "not_due"
  const settle = async (status: FiscalReceiptStatusValue, details: { qrUrl?: string | null; error?: string | null; retryInSec?: number } = {}) => {
    await payments.fiscalTrack.settleFiscalWork(claim, { status, ...details })
    return status
  }
  const transaction = await payments.retrieveClickTransaction(transactionId)
  const fiscal = fiscalizationOf(transaction.service_id)
  const fields = { merchant_trans_id: transaction.merchant_trans_id, attempt: claim.attempt }
  if (!fiscal || !transaction.order_id || !transaction.click_paydoc_id) {
    return settle(FiscalReceiptStatus.Failed, {
      error: !fiscal
        ? "fiscal receipts are not enabled for this Click service"
        : !transaction.click_paydoc_id
          ? "Click sent no payment id (click_paydoc_id): issue the receipt in the Click merchant cabinet"
          : "the payment has no order",
    })
  }
  try {
    const paidTiyin = storedTiyin(transaction.amount_tiyin)
    const built = buildFiscalReceipt({
      serviceId: clickMerchantGateway(transaction.service_id).serviceId,
      paymentId: transaction.click_paydoc_id,
      lines: await fiscalLinesOfOrder(container, transaction.order_id, fiscal, paidTiyin),
      paidTiyin,
      seller: fiscal.tin ? { tin: fiscal.tin } : { pinfl: fiscal.pinfl! },
    })
    if (!built.ok) {
      if (built.problem === "missing_codes") {
        log.warn({ ...fields, products: built.names }, "fiscal receipt waits for product codes")
        return settle(FiscalReceiptStatus.NeedsProductCodes, { error: `receipt needs product codes: ${built.names.join(", ")}` })
      }
      const error =
        built.problem === "sum_mismatch"
          ? `the order's lines sum to ${built.itemsTiyin} tiyin, Click took ${built.paidTiyin}: no receipt was sent`
          : built.detail
      log.error({ ...fields, err: error }, "fiscal receipt cannot be built")
      return settle(FiscalReceiptStatus.Failed, { error })
    }
    if (await payments.fiscalTrack.isRefundedInFull(transactionId)) {
      // Refunded while the receipt was being built: its state follows to reversed, which ends this track.
      return settle(FiscalReceiptStatus.Pending, { error: "the sale was refunded: no receipt is sent", retryInSec: paymentPolicy().refundedSaleRecheckSec })
    }
    const api = clickMerchantGateway(transaction.service_id).api
    await submitOrFindReceipt(api, built.body)
    const { qrCodeUrl } = await api.fiscalReceipt(transaction.click_paydoc_id).catch(() => ({ qrCodeUrl: null }))
    log.info({ ...fields }, "fiscal receipt sent")
    return settle(FiscalReceiptStatus.Submitted, { qrUrl: qrCodeUrl, error: null })
  } catch (error) {
    const message = error instanceof ClickMerchantApiError ? error.errorNote ?? error.message : (error as Error)?.message ?? String(error)
    if (error instanceof ClickMerchantApiError && error.kind === "refused") {
      log.error({ ...fields, err: message }, "Click refused the fiscal receipt")
      return settle(FiscalReceiptStatus.Failed, { error: `Click refused the receipt: ${message}` })
    }
    if (claim.attempt >= paymentPolicy().fiscalMaxAttempts) {
      return settle(FiscalReceiptStatus.Failed, { error: `Click did not take the receipt after ${claim.attempt} attempts: ${message}` })
    }
    return settle(FiscalReceiptStatus.Pending, { error: message, retryInSec: paymentPolicy().retryDelaySec(claim.attempt) })
  }
}

/** A submit whose earlier answer was lost is refused as a repeat: the receipt Click has settles it. */
async function submitOrFindReceipt(
  api: ReturnType<typeof clickMerchantGateway>["api"],
  body: Parameters<ReturnType<typeof clickMerchantGateway>["api"]["submitFiscalItems"]>[0]
): Promise<void> {
  try {
    await api.submitFiscalItems(body)
  } catch (error) {
    if (error instanceof ClickMerchantApiError && error.kind === "refused") {
      const existing = await api.fiscalReceipt(body.payment_id).catch(() => null)
      if (existing?.qrCodeUrl) return
    }
    throw error
  }
}
