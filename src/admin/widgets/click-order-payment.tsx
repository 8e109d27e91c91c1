import { defineWidgetConfig } from "@medusajs/admin-sdk"
import type { AdminOrder, DetailWidgetProps } from "@medusajs/framework/types"
import { Container, Heading, Text } from "@medusajs/ui"
import {
  ClickActions,
  ClickReversals,
  ClickStateBadge,
  ClickTimeline,
  formatSoums,
  useClickApi,
  type ClickTransactionList,
} from "../lib/click-payments"

/** The order page's Click panel: which Click payment paid it, its state, and what Click sent. */
const ClickOrderPaymentWidget = ({ data: order }: DetailWidgetProps<AdminOrder>) => {
  const { data, error, reload } = useClickApi<ClickTransactionList>(
    `/transactions?order_id=${encodeURIComponent(order.id)}&limit=10`
  )
  if (error) {
    return (
      <Container className="p-6">
        <Text className="text-ui-fg-error">Click payments could not be loaded: {error}</Text>
      </Container>
    )
  }
  if (!data || data.transactions.length === 0) {
    return null
  }
  return (
    <Container className="divide-y p-0" data-testid="click-order-widget">
      <div className="flex items-center justify-between px-6 py-4">
        <Heading level="h2">Click payment</Heading>
      </div>
      {data.transactions.map((t) => (
        <div key={t.id} className="flex flex-col gap-y-3 px-6 py-4">
          <div className="flex items-center justify-between">
            <ClickStateBadge transaction={t} />
            <ClickActions transaction={t} onDone={reload} />
          </div>
          <dl className="grid grid-cols-2 gap-x-4 gap-y-1">
            <Text size="small" className="text-ui-fg-subtle">Amount</Text>
            <Text size="small">{formatSoums(t.amount)}</Text>
            <Text size="small" className="text-ui-fg-subtle">Paid with</Text>
            <Text size="small">{t.debit_via === "card_token" ? "a saved card (card_token/payment)" : "Click's page or app"}</Text>
            <Text size="small" className="text-ui-fg-subtle">click_trans_id</Text>
            <Text size="small" className="font-mono">{t.click_trans_id}</Text>
            <Text size="small" className="text-ui-fg-subtle">click_paydoc_id</Text>
            <Text size="small" className="font-mono">{t.click_paydoc_id ?? "—"}</Text>
            <Text size="small" className="text-ui-fg-subtle">merchant_prepare_id</Text>
            <Text size="small" className="font-mono">{t.merchant_prepare_id}</Text>
            <Text size="small" className="text-ui-fg-subtle">Cart</Text>
            <Text size="small" className="font-mono">{t.merchant_trans_id}</Text>
            {t.next_attempt_at && ["confirmed", "refund_required"].includes(t.state) ? (
              <>
                <Text size="small" className="text-ui-fg-subtle">
                  {t.state === "confirmed" ? "Placing the order" : "Reversing"}
                </Text>
                <Text size="small">
                  attempt {t.attempts}, next at {new Date(t.next_attempt_at).toLocaleString()}
                </Text>
              </>
            ) : null}
            {t.fiscal_status ? (
              <>
                <Text size="small" className="text-ui-fg-subtle">Fiscal receipt</Text>
                <Text size="small" data-testid="click-fiscal-receipt">
                  {t.fiscal_qr_url ? (
                    <a className="text-ui-fg-interactive" href={t.fiscal_qr_url} target="_blank" rel="noreferrer">
                      {t.fiscal_status}: open the receipt
                    </a>
                  ) : (
                    t.fiscal_status
                  )}
                  {t.fiscal_error ? ` — ${t.fiscal_error}` : ""}
                </Text>
              </>
            ) : null}
            {t.last_error ? (
              <>
                <Text size="small" className="text-ui-fg-subtle">Last error</Text>
                <Text size="small" className="text-ui-fg-error">{t.last_error}</Text>
              </>
            ) : null}
          </dl>
          <ClickReversals transaction={t} onDone={reload} />
          <ClickTimeline transaction={t} />
        </div>
      ))}
    </Container>
  )
}

export const config = defineWidgetConfig({ zone: "order.details.after" })

export default ClickOrderPaymentWidget
