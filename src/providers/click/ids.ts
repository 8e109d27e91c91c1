/**
 * How Medusa names this provider: `pp_{identifier}_{id}`, identifier "click"
 * and medusa-config's `id` (`pp_click_click` in the README's setup; `pp_click`
 * without one). Every Click service is a provider instance of its own (README
 * "Several Click services"), so these are the provider ids of this plugin,
 * whichever service.
 */
export function isClickProviderId(providerId: unknown): providerId is string {
  return typeof providerId === "string" && (providerId === "pp_click" || providerId.startsWith("pp_click_"))
}

/** The same test in SQL, for a `provider_id` column (`left`, not LIKE, whose `_` matches any character). */
export const CLICK_PROVIDER_SQL = (column: string) => `(${column} = 'pp_click' OR left(${column}, 9) = 'pp_click_')`
