import { readFileSync } from "node:fs"
import type pg from "pg"
import type { Page } from "playwright-core"
import type supertest from "supertest"
import { afterAll, beforeAll, expect } from "vitest"

/**
 * Card data is never kept: the card numbers, expiries and SMS codes a test
 * file sends pass through the backend in memory only. This module records
 * what a file sends (refused inputs included) and every answer the backend
 * gives it, and checks that none of it is in any column of any table, any
 * line of the backend's logs or any answer.
 *
 * A file calls recordCardSecrets() at the top of its describe block, and
 * expectNoCardSecrets() once it is done with the backend (in its afterAll,
 * before stopping it). Files share a worker (isolate: false), so only the
 * running file's block records.
 */
export interface CardSecrets {
  /** Card numbers sent (their digits; refused and truncated ones included), each with the expiry sent with it. */
  cards: Map<string, Set<string>>
  smsCodes: Set<string>
  /** Every answer body the backend gave the file. */
  answers: string[]
}

let recording: CardSecrets | undefined

export function recordCardSecrets(): CardSecrets {
  const secrets: CardSecrets = { cards: new Map(), smsCodes: new Set(), answers: [] }
  beforeAll(() => {
    recording = secrets
  })
  afterAll(() => {
    if (recording === secrets) recording = undefined
  })
  return secrets
}

/** A card number as typed (spaces, dashes), with its expiry if one was sent with it. */
export function recordCardNumber(typed: string, expiry?: string) {
  const digits = typed.replace(/\D/g, "")
  // Fewer digits cannot be told from the ids, amounts and times around them.
  if (!recording || digits.length < 12) return
  const expiries = recording.cards.get(digits) ?? new Set()
  if (expiry && /^\d{4}$/.test(expiry)) expiries.add(expiry)
  recording.cards.set(digits, expiries)
}

export function recordSmsCode(typed: string) {
  const digits = typed.replace(/\D/g, "")
  if (recording && digits.length >= 6) recording.smsCodes.add(digits)
}

/** The card fields of a store request body (POST /store/click/cards, …/verify). */
export function recordSentCardData(body: unknown) {
  if (typeof body !== "object" || body === null) return
  const { card_number, expire_date, sms_code } = body as Record<string, unknown>
  if (typeof card_number === "string") recordCardNumber(card_number, typeof expire_date === "string" ? expire_date : undefined)
  if (typeof sms_code === "string") recordSmsCode(sms_code)
}

export function recordAnswer(body: string | undefined) {
  if (recording && body) recording.answers.push(body)
}

/** A fetch answer's body, recorded, as JSON (null if it is none). */
export async function recordedJson(response: Response): Promise<any> {
  const text = await response.text()
  recordAnswer(text)
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}

/** `agent` whose every answer is recorded (store, admin and callback answers alike). */
export function recordingAnswers<Agent extends ReturnType<typeof supertest>>(agent: Agent): Agent {
  return new Proxy(agent, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver)
      if (typeof member !== "function") return member
      return (...args: unknown[]) => {
        const request = member.apply(target, args)
        request.on("response", (response: { text?: string }) => recordAnswer(response.text))
        return request
      }
    },
  })
}

/** Records the store and admin answers `page` receives; await the returned function before the check. */
export function recordPageAnswers(page: Page): () => Promise<void> {
  const pending: Promise<void>[] = []
  page.on("response", (response) => {
    if (!/^\/(store|admin)\//.test(new URL(response.url()).pathname)) return
    // A redirect has no body to read.
    pending.push(response.text().then(recordAnswer, () => undefined))
  })
  return async () => {
    await Promise.all(pending)
  }
}

/** Digits as typed or stored: each may be followed by one space, dot or dash (8600 1234 …, 8600-1234-…). */
const separated = (digits: string) => [...digits].join("[ .-]?")

/**
 * One regular expression, the same in JavaScript and PostgreSQL, for every
 * secret: a card number anywhere (also run into other digits, as with its
 * expiry); an SMS code only as a number of its own (not inside a longer run
 * of digits, such as a timestamp's microseconds); an expiry only under an
 * expiry's name (four digits alone are everywhere).
 */
export function cardSecretsPattern(secrets: Pick<CardSecrets, "cards" | "smsCodes">): string {
  const cards = [...secrets.cards.keys()].map(separated)
  const smsCodes = [...secrets.smsCodes].map((code) => `(?<![0-9A-Za-z])(?<![0-9][ .-])${separated(code)}(?![0-9A-Za-z])(?![ .-][0-9])`)
  const expiries = [...new Set([...secrets.cards.values()].flatMap((expiries) => [...expiries]))].map(
    (expiry) => `[Ee]xpir(?:e_?[Dd]ate|y)[^0-9A-Za-z]{1,6}${expiry}(?![0-9])`
  )
  return [...cards, ...smsCodes, ...expiries].map((pattern) => `(?:${pattern})`).join("|")
}

/** Wider than cardSecretsPattern (no bounds, any expiry's name): the rows worth reading column by column. */
function rowsWorthReading(secrets: Pick<CardSecrets, "cards" | "smsCodes">): string {
  const hasExpiry = [...secrets.cards.values()].some((expiries) => expiries.size > 0)
  return [...secrets.cards.keys(), ...secrets.smsCodes].map(separated).concat(hasExpiry ? ["[Ee]xpir"] : []).join("|")
}

/**
 * Every column of every table, in every schema but PostgreSQL's own, that
 * holds one of `secrets`, as "schema.table.column: what matched". A row is
 * read whole, as JSON text (numbers, arrays and JSON alike); bytea columns are
 * read as the text they hold.
 */
export const columnsHolding = (db: pg.Pool, secrets: Pick<CardSecrets, "cards" | "smsCodes">) =>
  columnsMatching(db, cardSecretsPattern(secrets), rowsWorthReading(secrets))

/** Every column of every table (as columnsHolding) whose value matches `pattern`, read in the rows that match `rowPattern`. */
export async function columnsMatching(db: pg.Pool, pattern: string, rowPattern = pattern): Promise<string[]> {
  const { rows: tables } = await db.query<{ schema: string; table: string; bytea_columns: string[] }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            coalesce(array_agg(a.attname::text) FILTER (WHERE a.atttypid = 'bytea'::regtype), '{}') AS bytea_columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
      GROUP BY n.nspname, c.relname`
  )
  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`
  const found = await Promise.all(
    tables.map(async ({ schema, table, bytea_columns }) => {
      const from = `${quoted(schema)}.${quoted(table)}`
      try {
        const { rows } = await db.query<{ column: string; value: string }>(
          `SELECT DISTINCT j.key AS column, substring(j.value FROM $1) AS value
             FROM (SELECT row_to_json(t) AS r FROM ${from} t WHERE row_to_json(t)::text ~ $2) m, json_each_text(m.r) j
            WHERE j.value ~ $1`,
          [pattern, rowPattern]
        )
        for (const column of bytea_columns) {
          const bytes = await db.query<{ value: string }>(
            `SELECT substring(encode(${quoted(column)}, 'escape') FROM $1) AS value FROM ${from} WHERE encode(${quoted(column)}, 'escape') ~ $1 LIMIT 1`,
            [pattern]
          )
          rows.push(...bytes.rows.map(({ value }) => ({ column, value })))
        }
        return rows.map(({ column, value }) => `${schema}.${table}.${column}: ${value}`)
      } catch (error) {
        // A table another file dropped meanwhile holds nothing.
        if ((error as { code?: string }).code === "42P01") return []
        throw error
      }
    })
  )
  return found.flat()
}

/** Where `text` holds a match of `pattern`: the match with some context, for the failure message. */
function matchesIn(texts: string[], pattern: RegExp): string[] {
  return texts.flatMap((text) => {
    const match = pattern.exec(text)
    return match ? [text.slice(Math.max(0, match.index - 120), match.index + match[0].length + 120)] : []
  })
}

/**
 * No card number, expiry or SMS code the file sent is in the backend's
 * database (every column of every table), its log files or any answer it gave.
 */
export async function expectNoCardSecrets(secrets: CardSecrets, backend: { db: pg.Pool; logFiles(): string[] }) {
  // An empty record would make the check pass vacuously.
  expect(secrets.cards.size, "the file sent no card number: is recording on?").toBeGreaterThan(0)
  expect(secrets.answers.length, "the file recorded no answer").toBeGreaterThan(0)
  const source = cardSecretsPattern(secrets)
  const pattern = new RegExp(source)
  const logLines = backend.logFiles().flatMap((file) => readFileSync(file, "utf8").split("\n"))
  // The logs are read at info: what a careless log.info writes is read too.
  expect(logLines.some((line) => line.includes('"level":30')), "no info line in the backend's log: is LOG_LEVEL info?").toBe(true)

  const holding = {
    columns: await columnsHolding(backend.db, secrets),
    logLines: matchesIn(logLines, pattern),
    answers: matchesIn(secrets.answers, pattern),
  }
  expect(holding, "card data kept").toEqual({ columns: [], logLines: [], answers: [] })
}
