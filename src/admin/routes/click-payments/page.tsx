import { defineRouteConfig } from "@medusajs/admin-sdk"
import { CreditCard } from "@medusajs/icons"
import { Button, Container, Heading, Input, Select, Text } from "@medusajs/ui"
import { useState } from "react"
import { ClickTransactionRows, useClickApi, type ClickAlert, type ClickTransactionList } from "../../lib/click-payments"
import { clickTransactionsPath, showsServices, type ClickService } from "../../lib/click-services"
import { CLICK_STATES, NEEDS_ATTENTION } from "../../lib/click-states"
const PAGE_SIZE = 20

/** Every Click payment; the ones a person must act on first. */
const ClickPaymentsPage = () => {
  const [state, setState] = useState("all")
  const [serviceId, setServiceId] = useState("all")
  const [q, setQ] = useState("")
  const [offset, setOffset] = useState(0)
  /** A changed filter or search shows its results from the first page. */
  const fromFirstPage = (set: (value: string) => void) => (value: string) => {
    set(value)
    setOffset(0)
  }
  const attention = useClickApi<ClickTransactionList>(`/transactions?needs_attention=true&limit=50`)
  const list = useClickApi<ClickTransactionList>(clickTransactionsPath({ state, serviceId, q, offset, limit: PAGE_SIZE }))
  const alerts = useClickApi<{ alerts: ClickAlert[] }>("/alerts")
  const services = useClickApi<{ services: ClickService[] }>("/services")
  const severalServices = showsServices(services.data?.services)
  const reloadBoth = () => {
    attention.reload()
    list.reload()
  }
  return (
    <div className="flex flex-col gap-y-3">
      {alerts.data?.alerts.map((alert) => (
        <Container key={alert.id} className="px-6 py-4" data-testid="click-alert">
          <Heading level="h2" className="text-ui-fg-error">Click configuration problem</Heading>
          <Text size="small">{alert.message}</Text>
          <Text size="small" className="text-ui-fg-subtle">
            Since {new Date(alert.opened_at).toLocaleString()}, {alert.occurrences} time(s).
          </Text>
        </Container>
      ))}
      <Container className="divide-y p-0" data-testid="click-needs-attention">
        <div className="px-6 py-4">
          <Heading level="h2">Needs attention</Heading>
          <Text size="small" className="text-ui-fg-subtle">
            Money Click took that is not an order yet ({NEEDS_ATTENTION.join(", ")}), and payments Click has kept in
            progress past the horizon (prepared, no longer asked: check them in Click's cabinet, then Reconcile).
          </Text>
        </div>
        {attention.data?.transactions.length ? (
          <ClickTransactionRows transactions={attention.data.transactions} onChanged={reloadBoth} showService={severalServices} />
        ) : (
          <Text size="small" className="px-6 py-4">Nothing needs attention.</Text>
        )}
      </Container>
      <Container className="divide-y p-0">
        <div className="flex items-center justify-between gap-x-3 px-6 py-4">
          <Heading level="h1">Click payments</Heading>
          <div className="flex gap-x-2">
            <Input
              size="small"
              type="search"
              placeholder="Cart, order or Click id"
              value={q}
              onChange={(e) => fromFirstPage(setQ)(e.target.value)}
              data-testid="click-search"
            />
            <FilterSelect
              value={state}
              onChange={fromFirstPage(setState)}
              testId="click-state-filter"
              placeholder="State"
              allLabel="All states"
              options={CLICK_STATES.map((s) => ({ value: s, label: s }))}
            />
            {severalServices ? (
              <FilterSelect
                value={serviceId}
                onChange={fromFirstPage(setServiceId)}
                testId="click-service-filter"
                placeholder="Service"
                allLabel="All services"
                options={(services.data?.services ?? []).map(({ service_id }) => ({ value: service_id, label: `service ${service_id}` }))}
              />
            ) : null}
          </div>
        </div>
        {list.error ? <Text className="text-ui-fg-error px-6 py-4">{list.error}</Text> : null}
        {list.data ? (
          <>
            <ClickTransactionRows transactions={list.data.transactions} onChanged={reloadBoth} showService={severalServices} />
            <div className="flex items-center justify-between px-6 py-4">
              <Text size="small" data-testid="click-count">
                {list.data.count === 0
                  ? "No Click payments"
                  : `${offset + 1}–${offset + list.data.transactions.length} of ${list.data.count}`}
              </Text>
              <div className="flex gap-x-2">
                <Button size="small" variant="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
                  Prev
                </Button>
                <Button
                  size="small"
                  variant="secondary"
                  disabled={offset + PAGE_SIZE >= list.data.count}
                  onClick={() => setOffset(offset + PAGE_SIZE)}
                >
                  Next
                </Button>
              </div>
            </div>
          </>
        ) : null}
      </Container>
    </div>
  )
}

/** One of the list's filters: "all", or one of `options`. */
const FilterSelect = ({
  value,
  onChange,
  testId,
  placeholder,
  allLabel,
  options,
}: {
  value: string
  onChange: (value: string) => void
  testId: string
  placeholder: string
  allLabel: string
  options: { value: string; label: string }[]
}) => (
  <Select size="small" value={value} onValueChange={onChange}>
    <Select.Trigger data-testid={testId}>
      <Select.Value placeholder={placeholder} />
    </Select.Trigger>
    <Select.Content>
      <Select.Item value="all">{allLabel}</Select.Item>
      {options.map((option) => (
        <Select.Item key={option.value} value={option.value}>
          {option.label}
        </Select.Item>
      ))}
    </Select.Content>
  </Select>
)

export const config = defineRouteConfig({ label: "Click payments", icon: CreditCard })

export default ClickPaymentsPage
