/**
 * Which Click service a payment is of, in the dashboard. A merchant with one
 * service is not shown its id on every row: the service column and filter
 * appear only when the backend is configured with several
 * (GET /admin/click/services). Self-contained, as the admin bundle is.
 */

/** A Click service this backend is configured with, as GET /admin/click/services returns it. */
export interface ClickService {
  service_id: string
}

export function showsServices(services: readonly ClickService[] | null | undefined): boolean {
  return (services?.length ?? 0) > 1
}

/** The full list's filters; "all" is no filter. */
export interface ClickListFilters {
  state: string
  serviceId: string
  q: string
  offset: number
  limit: number
}

/** GET /admin/click/transactions with the dashboard's filters, as the admin API reads them. */
export function clickTransactionsPath(filters: ClickListFilters): string {
  const query = new URLSearchParams({ limit: String(filters.limit), offset: String(filters.offset) })
  if (filters.state !== "all") query.set("state", filters.state)
  if (filters.serviceId !== "all") query.set("service_id", filters.serviceId)
  if (filters.q.trim()) query.set("q", filters.q.trim())
  return `/transactions?${query}`
}
