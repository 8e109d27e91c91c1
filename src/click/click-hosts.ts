/**
 * Whether a URL points at Click's own servers (click.uz and its subdomains:
 * the pay page my.click.uz, the Merchant API api.click.uz), where payments
 * are real.
 */
export function isClickProductionUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/\.$/, "")
  return host === "click.uz" || host.endsWith(".click.uz")
}
