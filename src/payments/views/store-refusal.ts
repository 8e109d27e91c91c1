/**
 * Why a store request about paying with Click was refused (an invoice, a
 * saved card, a saved-card debit): the HTTP status, a code a storefront can
 * branch on, words for the shopper, and Click's own code when Click refused.
 */
export class ClickStoreRefusal extends Error {
  constructor(
    readonly httpStatus: 404 | 409 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    readonly details: { clickErrorCode?: number | null; retryAfterSec?: number } = {}
  ) {
    super(message)
  }
}
