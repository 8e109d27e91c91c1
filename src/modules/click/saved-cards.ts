import { generateEntityId } from "@medusajs/framework/utils"

/**
 * The one owner of `click_saved_card`: Click card tokens of customers'
 * account holders, first requested (Click sent the SMS code), then saved (the
 * code was verified: a Medusa payment method; or, for a temporary token, usable
 * for one payment and never listed). The store routes reach it from
 * the app's container and the provider's payment-method hooks from the payment
 * module's; both hand in Medusa's shared database connection. No card number
 * or SMS code is ever written here: only Click's masked number and phone.
 */
export interface SavedCardDatabase {
  raw(sql: string, bindings?: readonly unknown[]): PromiseLike<{ rows: unknown[] }>
}

export interface SavedCardRow {
  id: string
  service_id: string
  account_holder_id: string
  card_token: string
  masked_phone: string
  masked_card_number: string | null
  verify_attempts: number
  verified_at: Date | null
  /** Click's temporary token: one payment, then forgotten; never a payment method. */
  temporary: boolean
  created_at: Date
}

/** How long a requested card waits for its SMS code, and the bounds on one customer's requests and cards. */
export const SAVED_CARD_LIMITS = {
  requestLifetimeSec: 15 * 60,
  requestsPerHour: 5,
  verifyAttempts: 5,
  savedCards: 10,
} as const

const COLUMNS = `id, service_id, account_holder_id, card_token, masked_phone, masked_card_number, verify_attempts, verified_at, temporary, created_at`

/** A card Click sent an SMS code for; the account holder's requests that were never verified in time are dropped. */
export async function recordCardRequest(
  db: SavedCardDatabase,
  request: { service_id: string; account_holder_id: string; card_token: string; masked_phone: string; temporary: boolean }
): Promise<SavedCardRow> {
  await db.raw(
    `DELETE FROM click_saved_card
      WHERE account_holder_id = ? AND verified_at IS NULL AND created_at < now() - make_interval(secs => ?)`,
    [request.account_holder_id, SAVED_CARD_LIMITS.requestLifetimeSec]
  )
  const { rows } = await db.raw(
    `INSERT INTO click_saved_card (id, service_id, account_holder_id, card_token, masked_phone, temporary)
     VALUES (?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
    [generateEntityId(undefined, "clickcard"), request.service_id, request.account_holder_id, request.card_token, request.masked_phone, request.temporary]
  )
  return rows[0] as SavedCardRow
}

/** How many cards the account holder asked Click to send codes for in the last hour, and how many it has saved. */
export async function cardCounts(db: SavedCardDatabase, accountHolderId: string): Promise<{ requestsLastHour: number; saved: number }> {
  const { rows } = await db.raw(
    `SELECT count(*) FILTER (WHERE created_at > now() - interval '1 hour')::int AS requests_last_hour,
            count(*) FILTER (WHERE verified_at IS NOT NULL AND NOT temporary)::int AS saved
       FROM click_saved_card WHERE account_holder_id = ?`,
    [accountHolderId]
  )
  const [counts] = rows as { requests_last_hour: number; saved: number }[]
  return { requestsLastHour: counts.requests_last_hour, saved: counts.saved }
}

/**
 * The account holder's requested card waiting for its code, counting this
 * attempt: undefined when the token is not this holder's, already saved, or
 * its request is too old.
 */
export async function claimVerifyAttempt(
  db: SavedCardDatabase,
  card: { service_id: string; account_holder_id: string; card_token: string }
): Promise<SavedCardRow | undefined> {
  const { rows } = await db.raw(
    `UPDATE click_saved_card SET verify_attempts = verify_attempts + 1, updated_at = now()
      WHERE service_id = ? AND account_holder_id = ? AND card_token = ? AND verified_at IS NULL
        AND created_at > now() - make_interval(secs => ?)
    RETURNING ${COLUMNS}`,
    [card.service_id, card.account_holder_id, card.card_token, SAVED_CARD_LIMITS.requestLifetimeSec]
  )
  return rows[0] as SavedCardRow | undefined
}

/**
 * Click verified the code: the requested card becomes a saved card (or, with
 * `temporary`, a card for one payment), with Click's masked number. A
 * temporary request never becomes a saved card, nor the other way round.
 */
export async function markCardSaved(
  db: SavedCardDatabase,
  card: { service_id: string; account_holder_id: string; card_token: string; masked_card_number: string; temporary: boolean }
): Promise<SavedCardRow | undefined> {
  const { rows } = await db.raw(
    `UPDATE click_saved_card SET masked_card_number = ?, verified_at = now(), updated_at = now()
      WHERE service_id = ? AND account_holder_id = ? AND card_token = ? AND verified_at IS NULL AND temporary = ?
    RETURNING ${COLUMNS}`,
    [card.masked_card_number, card.service_id, card.account_holder_id, card.card_token, card.temporary]
  )
  return rows[0] as SavedCardRow | undefined
}

/** The account holder's saved cards, oldest first (temporary ones are not saved cards). */
export async function savedCardsOf(db: SavedCardDatabase, accountHolderId: string): Promise<SavedCardRow[]> {
  const { rows } = await db.raw(
    `SELECT ${COLUMNS} FROM click_saved_card WHERE account_holder_id = ? AND verified_at IS NOT NULL AND NOT temporary ORDER BY created_at, id`,
    [accountHolderId]
  )
  return rows as SavedCardRow[]
}

/** One verified card of the account holder, saved or temporary: another holder's card is not found. */
export async function savedCardOf(db: SavedCardDatabase, accountHolderId: string, id: string): Promise<SavedCardRow | undefined> {
  const { rows } = await db.raw(
    `SELECT ${COLUMNS} FROM click_saved_card WHERE account_holder_id = ? AND id = ? AND verified_at IS NOT NULL`,
    [accountHolderId, id]
  )
  return rows[0] as SavedCardRow | undefined
}

export async function forgetSavedCard(db: SavedCardDatabase, id: string): Promise<void> {
  await db.raw(`DELETE FROM click_saved_card WHERE id = ?`, [id])
}
