import { formatTashkentDate, fromTashkentWallClock, tashkentWallClock } from "./tashkent-time"

// Click does not document the zone of sign_time; its examples are Tashkent local time.
const SIGN_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

/** Parses Click's `YYYY-MM-DD HH:mm:ss` (Tashkent time); null unless it is a real date and time. */
export function parseSignTime(value: string): Date | null {
  const match = SIGN_TIME.exec(value)
  if (!match) return null
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
  const parts = { year, month, day, hour, minute, second }
  const instant = fromTashkentWallClock(parts)
  // Out-of-range parts (Feb 30, 24:00:00, years < 100) roll over silently;
  // a real date survives the round trip unchanged.
  const back = tashkentWallClock(instant)
  const roundTrips = (Object.keys(parts) as (keyof typeof parts)[]).every((key) => back[key] === parts[key])
  return roundTrips ? instant : null
}

/** Formats an instant as Click's `YYYY-MM-DD HH:mm:ss` in Tashkent time (milliseconds dropped). */
export function formatSignTime(date: Date): string {
  const { hour, minute, second } = tashkentWallClock(date)
  const pad = (n: number) => String(n).padStart(2, "0")
  return `${formatTashkentDate(date)} ${pad(hour)}:${pad(minute)}:${pad(second)}`
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
