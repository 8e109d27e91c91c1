// Click does not document the zone of sign_time; its examples are Tashkent local
// time, which is a fixed UTC+5 with no daylight saving.
const TASHKENT_OFFSET_MS = 5 * 60 * 60 * 1000

const SIGN_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/** Parses Click's `YYYY-MM-DD HH:mm:ss` (Tashkent time); null unless it is a real date and time. */
export function parseSignTime(value: string): Date | null {
  const match = SIGN_TIME.exec(value)
  if (!match) return null
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
  const asUtc = new Date(Date.UTC(year, month - 1, day, hour, minute, second))
  // Date.UTC silently rolls over out-of-range parts (Feb 30, 24:00:00, years < 100);
  // a real date survives the round trip unchanged.
  const roundTrips =
    asUtc.getUTCFullYear() === year &&
    asUtc.getUTCMonth() === month - 1 &&
    asUtc.getUTCDate() === day &&
    asUtc.getUTCHours() === hour &&
    asUtc.getUTCMinutes() === minute &&
    asUtc.getUTCSeconds() === second
  if (!roundTrips) return null
  return new Date(asUtc.getTime() - TASHKENT_OFFSET_MS)
}

/** Formats an instant as Click's `YYYY-MM-DD HH:mm:ss` in Tashkent time (milliseconds dropped). */
export function formatSignTime(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid date")
  const local = new Date(date.getTime() + TASHKENT_OFFSET_MS)
  const pad = (n: number, width = 2) => String(n).padStart(width, "0")
  const day = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`
  const time = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`
  return `${day} ${time}`
}

export type SignTimeCheck = "ok" | "malformed" | "stale" | "future"

export function checkSignTime(
  value: string,
  now: Date,
  window: { maxAgeSec: number; maxFutureSec: number },
): SignTimeCheck {
  const signedAt = parseSignTime(value)
  if (!signedAt) return "malformed"
  const ageSec = (now.getTime() - signedAt.getTime()) / 1000
  if (ageSec > window.maxAgeSec) return "stale"
  if (-ageSec > window.maxFutureSec) return "future"
  return "ok"
}
