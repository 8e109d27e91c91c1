/**
 * What the Merchant API double answers when it says no.
 *
 * Click documents the HTTP statuses of its Merchant API (400, 401, 403, 404, 406,
 * 410, 500, 502), that error_code 0 is success and that any other value is a
 * failure, but publishes no list of error_code values. These are this project's
 * choice: negative like all of Click's codes, the HTTP status mirrored in the
 * code for protocol errors, and a -3x range for business refusals of a reversal.
 * Business refusals come with HTTP 200, so a client that trusts the HTTP status
 * alone is caught; the client under test treats a 4xx and a non-zero error_code alike.
 *
 * | HTTP | error_code | error_note (start)                     | when                                                        |
 * |------|------------|----------------------------------------|-------------------------------------------------------------|
 * | 400  | -400       | Bad request                            | malformed payment_id, amount or date in the path; bad JSON  |
 * | 401  | -401       | Authorization failed                   | Auth header missing, malformed, wrong user or digest, stale |
 * | 403  | -403       | Access denied                          | service_id in the path is not this merchant user's service  |
 * | 404  | -404       | Payment not found / Not found          | unknown payment, no payment for merchant_trans_id that day  |
 * | 405  | -405       | Method not allowed                     | e.g. GET on payment/reversal                                |
 * | 409  | -409       | Conflict                               | (control API) payment_id already registered                 |
 * | 413  | -413       | Request body too large                 | a body over 64 KB                                           |
 * | 500  | -500       | Internal error                         | a bug in the double (never a stack trace)                   |
 * | 200  | -31        | Reversal not allowed: payment is not successful | payment_status is not 2                            |
 * | 200  | -32        | Reversal not allowed: payment already reversed  | fully reversed (also by partial reversals)         |
 * | 200  | -33        | Reversal not allowed: reversal period expired   | created before this Tashkent month (except on the 1st, for last month's) |
 * | 200  | -34        | Reversal not allowed: amount exceeds the remaining amount | partial reversal above what is left      |
 * | 200  | -41        | Receipt refused: …                     | an item breaks Click's limits, or items do not sum to the payment |
 * | 200  | -42        | Receipt already submitted               | a second submit_items for one payment                       |
 */
export const DoubleErrorCode = {
  BadRequest: -400,
  AuthorizationFailed: -401,
  AccessDenied: -403,
  NotFound: -404,
  MethodNotAllowed: -405,
  Conflict: -409,
  BodyTooLarge: -413,
  Internal: -500,
  NotSuccessful: -31,
  AlreadyReversed: -32,
  ReversalPeriodExpired: -33,
  AmountExceedsRemaining: -34,
  ReceiptRefused: -41,
  ReceiptAlreadySubmitted: -42,
} as const

export interface DoubleRefusal {
  httpStatus: number
  error_code: number
  error_note: string
}
