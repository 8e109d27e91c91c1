import { formatTiyinAsSoums } from "./amount"

export interface PayUrlArgs {
  payUrl: string
  serviceId: string
  merchantId: string
  amountTiyin: bigint
  transactionParam: string
  returnUrl?: string
  cardType?: "uzcard" | "humo"
}

/** Builds Click's (unsigned) pay link; the callbacks, not the link, enforce the amount. */
export function buildPayUrl(args: PayUrlArgs): string {
  const url = new URL(args.payUrl)
  const params = url.searchParams
  params.set("service_id", args.serviceId)
  params.set("merchant_id", args.merchantId)
  params.set("amount", formatTiyinAsSoums(args.amountTiyin))
  params.set("transaction_param", args.transactionParam)
  if (args.returnUrl !== undefined) params.set("return_url", args.returnUrl)
  if (args.cardType !== undefined) params.set("card_type", args.cardType)
  return url.toString()
}
