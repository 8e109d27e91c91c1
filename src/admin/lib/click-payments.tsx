import { Badge, Button, StatusBadge, Table, Text, toast } from "@medusajs/ui"
import { useCallback, useEffect, useState } from "react"
import { CLICK_STATE_COLOR, isClickState, RETRYABLE } from "./click-states"

/** A Click payment as GET /admin/click/transactions returns it. */
export interface ClickTransaction {
  id: string
  merchant_prepare_id: number
  click_trans_id: string
  click_paydoc_id: string | null
  /** The Click service that took it; null only for a payment recorded before service ids. */
  service_id: string | null
  /** How Click debited it: its callbacks (page or app), or our card_token/payment with a saved card. */
  debit_via: "click_callbacks" | "card_token"
  merchant_trans_id: string
  amount: string
  state: string
  refund_reason: string | null
  order_id: string | null
  last_error: string | null
  attempts: number
  next_attempt_at: string | null
  /** What Click's Merchant API said when placement asked about the debit. */
  verified_payment_status: number | null
  verification_answer: string | null
  /** Click kept reporting it in progress past the horizon: no longer asked; Reconcile asks again. */
  reconcile_stalled_at?: string | null
  fiscal_status: string | null
  fiscal_qr_url: string | null
  fiscal_error: string | null
  created_at: string
  callbacks: Array<{ id: string; endpoint: string; error: number; reason: string | null; signature_valid: boolean | null; created_at: string }>
  events: Array<{ id: string; from_state: string | null; to_state: string; reason: string; detail: string | null; created_at: string }>
  /** Reversals sent to Click: `sent` until Click's answer (or its status, or a person) settles them; Click's answer when it refused. */
  reversals?: ClickReversal[]
}

/** One reversal sent to Click (GET /admin/click/transactions: `reversals`). */
export interface ClickReversal {
  id: string
  amount_tiyin: string
  /** The same amount in soums with two decimals, as the backend formats Click's amounts. */
  amount: string
  full_reversal: boolean
  status: string
  click_answer: string | null
  sent_at: string
  settled_at: string | null
  /** Settled on a person's word after checking Click's merchant cabinet: who, and what they saw. */
  settled_by: string | null
  settled_note: string | null
  /** From when an uncertain partial reversal may be settled by a person. */
  settle_after: string
}

/** An open alert about this backend's own configuration, as GET /admin/click/alerts returns it. */
export interface ClickAlert {
  id: string
  key: string
  message: string
  occurrences: number
  opened_at: string
  last_seen_at: string
}

export interface ClickTransactionList {
  transactions: ClickTransaction[]
  count: number
  offset: number
  limit: number
}

/** The admin API with the dashboard's own session (its cookie). */
export async function clickAdminApi<T>(path: string, method: "GET" | "POST" = "GET", payload?: unknown): Promise<T> {
  const response = await fetch(`/admin/click${path}`, {
    method,
    credentials: "include",
    headers: payload === undefined ? undefined : { "content-type": "application/json" },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  })
  const body = await response.json().catch(() => null)
  if (!response.ok) {
    throw new Error(body?.message ?? `${method} /admin/click${path} answered ${response.status}`)
  }
  return body as T
}

/** Loads `path` now and whenever `reload` is called. */
export function useClickApi<T>(path: string | null) {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const reload = useCallback(() => {
    if (!path) return
    clickAdminApi<T>(path)
      .then((result) => {
        setData(result)
        setError(null)
      })
      .catch((e: Error) => setError(e.message))
  }, [path])
  useEffect(reload, [reload])
  return { data, error, reload }
}

export function ClickStateBadge({ transaction }: { transaction: ClickTransaction }) {
  return (
    <StatusBadge color={isClickState(transaction.state) ? CLICK_STATE_COLOR[transaction.state] : "grey"} data-testid="click-state">
      {transaction.state}
      {transaction.refund_reason ? ` (${transaction.refund_reason})` : ""}
      {transaction.verification_answer ? ` (Click: ${transaction.verification_answer})` : ""}
    </StatusBadge>
  )
}

/** Click's amounts are soums with two decimals, as Click sent them or the admin API formatted them. */
export function formatSoums(amount: string) {
  return `${amount} UZS`
}

/** Retry and Reconcile, with the outcome in a toast; `onDone` reloads the caller's data. */
export function ClickActions({ transaction, onDone }: { transaction: ClickTransaction; onDone: () => void }) {
  const [busy, setBusy] = useState<string | null>(null)
  const run = async (action: "retry" | "reconcile") => {
    setBusy(action)
    try {
      const { result } = await clickAdminApi<{ result: { action: string; outcome?: unknown; reason?: string } }>(
        `/transactions/${transaction.id}/${action}`,
        "POST"
      )
      const outcome = result.reason ?? (typeof result.outcome === "object" ? JSON.stringify(result.outcome) : String(result.outcome ?? ""))
      toast.info(`${action === "retry" ? "Retry" : "Reconcile"}: ${result.action} ${outcome}`)
    } catch (error) {
      toast.error((error as Error).message)
    } finally {
      setBusy(null)
      onDone()
    }
  }
  const canRetry = RETRYABLE.some((state) => state === transaction.state)
  const reversals = transaction.reversals ?? []
  // Click said no, and nothing of this payment may still be reversing at Click.
  const clickRefused =
    !reversals.some((r) => r.status === "sent") &&
    (transaction.state === "reversal_failed" || (transaction.state === "placed" && reversals.at(-1)?.status === "refused"))
  const recordOutside = async () => {
    const note = window.prompt("Click refused this reversal. How did the money go back to the customer? (recorded with your name)")
    if (note === null) return
    setBusy("outside")
    try {
      await clickAdminApi(`/transactions/${transaction.id}/refunded-outside-click`, "POST", { note })
      toast.info("Recorded as refunded outside Click")
    } catch (error) {
      toast.error((error as Error).message)
    } finally {
      setBusy(null)
      onDone()
    }
  }
  return (
    <div className="flex gap-x-2">
      {clickRefused ? (
        <Button size="small" variant="danger" disabled={!!busy} isLoading={busy === "outside"} onClick={recordOutside} data-testid="click-refunded-outside">
          Refunded outside Click
        </Button>
      ) : null}
      <Button size="small" variant="secondary" disabled={!canRetry || !!busy} isLoading={busy === "retry"} onClick={() => run("retry")}>
        Retry
      </Button>
      <Button size="small" variant="secondary" disabled={!!busy} isLoading={busy === "reconcile"} onClick={() => run("reconcile")}>
        Reconcile
      </Button>
    </div>
  )
}

const REVERSAL_STATUS: Record<string, string> = {
  sent: "no answer from Click yet",
  done: "reversed by Click",
  refused: "Click refused",
  not_done: "not reversed",
}

/**
 * The reversals sent to Click for a payment. A partial one whose answer was
 * lost stays uncertain (Click's status cannot tell): past the settle delay a
 * person who looked it up in Click's merchant cabinet settles it here.
 */
export function ClickReversals({ transaction, onDone }: { transaction: ClickTransaction; onDone: () => void }) {
  const [busy, setBusy] = useState<string | null>(null)
  const reversals = transaction.reversals ?? []
  if (!reversals.length) return null
  const settle = async (reversal: ClickReversal, outcome: "done" | "not_done") => {
    const question =
      outcome === "done"
        ? "Click's merchant cabinet shows this partial reversal made. What does it show (recorded with your name)?"
        : "Click's merchant cabinet shows no such reversal. What does it show (recorded with your name)?"
    const note = window.prompt(question)
    if (note === null) return
    setBusy(reversal.id)
    try {
      await clickAdminApi(`/transactions/${transaction.id}/reversals/${reversal.id}/settle`, "POST", { outcome, note })
      toast.info(
        outcome === "done"
          ? "Recorded as reversed by Click. Refund the same amount in Medusa to record it there: nothing more is sent to Click."
          : "Recorded as not reversed: the payment can be refunded again."
      )
    } catch (error) {
      toast.error((error as Error).message)
    } finally {
      setBusy(null)
      onDone()
    }
  }
  return (
    <ul className="flex flex-col gap-y-1" data-testid="click-reversals">
      {reversals.map((reversal) => {
        const settleable = reversal.status === "sent" && !reversal.full_reversal
        const settleFrom = new Date(reversal.settle_after)
        return (
          <li key={reversal.id} className="flex flex-wrap items-center gap-x-2" data-testid="click-reversal" data-reversal-id={reversal.id}>
            <Text size="xsmall">
              {reversal.full_reversal ? "Full" : "Partial"} reversal {formatSoums(reversal.amount)},{" "}
              {new Date(reversal.sent_at).toLocaleString()}: {REVERSAL_STATUS[reversal.status] ?? reversal.status}
              {reversal.click_answer && !reversal.settled_by ? ` (${reversal.click_answer})` : ""}
              {reversal.settled_by ? ` — settled by ${reversal.settled_by}: ${reversal.settled_note ?? ""}` : ""}
            </Text>
            {settleable && settleFrom.getTime() > Date.now() ? (
              <Text size="xsmall" className="text-ui-fg-subtle">
                Click may still answer; settle by hand from {settleFrom.toLocaleString()}
              </Text>
            ) : null}
            {settleable && settleFrom.getTime() <= Date.now() ? (
              <>
                <Button size="small" variant="secondary" disabled={!!busy} isLoading={busy === reversal.id} onClick={() => settle(reversal, "done")}>
                  Click reversed it
                </Button>
                <Button size="small" variant="secondary" disabled={!!busy} onClick={() => settle(reversal, "not_done")}>
                  Click did not reverse it
                </Button>
              </>
            ) : null}
          </li>
        )
      })}
    </ul>
  )
}

/** Click's callbacks and the payment's state changes, oldest first. */
export function ClickTimeline({ transaction }: { transaction: ClickTransaction }) {
  const entries = [
    ...transaction.callbacks.map((c) => ({
      id: c.id,
      at: c.created_at,
      text: `Click ${c.endpoint} → answered error ${c.error}${c.reason ? ` (${c.reason})` : ""}${c.signature_valid === false ? ", bad signature" : ""}`,
    })),
    ...transaction.events.map((e) => ({
      id: e.id,
      at: e.created_at,
      text: `${e.from_state ?? "new"} → ${e.to_state}: ${e.reason}${e.detail ? ` — ${e.detail}` : ""}`,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at))
  return (
    <ol className="flex flex-col gap-y-1" data-testid="click-timeline">
      {entries.map((entry) => (
        <li key={entry.id} className="flex gap-x-3">
          <Text size="small" className="text-ui-fg-subtle w-44 shrink-0">
            {new Date(entry.at).toLocaleString()}
          </Text>
          <Text size="small">{entry.text}</Text>
        </li>
      ))}
    </ol>
  )
}

/** `showService`: the backend has several Click services (click-services.ts), so each row names its own. */
export function ClickTransactionRows({
  transactions,
  onChanged,
  showService = false,
}: {
  transactions: ClickTransaction[]
  onChanged: () => void
  showService?: boolean
}) {
  return (
    <div className="overflow-x-auto">
      <Table>
        <Table.Header>
          <Table.Row>
            <Table.HeaderCell>Created</Table.HeaderCell>
            {showService ? <Table.HeaderCell>Service</Table.HeaderCell> : null}
            <Table.HeaderCell>Cart</Table.HeaderCell>
            <Table.HeaderCell>click_trans_id</Table.HeaderCell>
            <Table.HeaderCell>Amount</Table.HeaderCell>
            <Table.HeaderCell>State</Table.HeaderCell>
            <Table.HeaderCell>Order</Table.HeaderCell>
            <Table.HeaderCell />
          </Table.Row>
        </Table.Header>
        <Table.Body>
          {transactions.map((t) => (
            <Table.Row key={t.id} data-testid="click-transaction-row" data-transaction-id={t.id}>
              <Table.Cell>{new Date(t.created_at).toLocaleString()}</Table.Cell>
              {showService ? (
                <Table.Cell>
                  <Text size="xsmall" className="font-mono" data-testid="click-service-id">{t.service_id ?? "—"}</Text>
                </Table.Cell>
              ) : null}
              <Table.Cell>
                <Text size="xsmall" className="font-mono">{t.merchant_trans_id}</Text>
              </Table.Cell>
              <Table.Cell>
                <Text size="xsmall" className="font-mono">{t.click_trans_id}</Text>
                <Text size="xsmall" className="text-ui-fg-subtle">prepare {t.merchant_prepare_id}</Text>
              </Table.Cell>
              <Table.Cell>{formatSoums(t.amount)}</Table.Cell>
              <Table.Cell>
                <ClickStateBadge transaction={t} />
                <ClickReversals transaction={t} onDone={onChanged} />
                {t.last_error ? (
                  <Text size="xsmall" className="text-ui-fg-error max-w-[16rem] truncate" title={t.last_error}>
                    {t.last_error}
                  </Text>
                ) : null}
              </Table.Cell>
              <Table.Cell>
                {t.order_id ? <a className="text-ui-fg-interactive" href={`/app/orders/${t.order_id}`}>{t.order_id}</a> : <Badge size="2xsmall">no order</Badge>}
              </Table.Cell>
              <Table.Cell>
                <ClickActions transaction={t} onDone={onChanged} />
              </Table.Cell>
            </Table.Row>
          ))}
        </Table.Body>
      </Table>
    </div>
  )
}
