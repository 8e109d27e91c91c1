// Click's times are Tashkent local time: a fixed UTC+5 with no daylight saving.
// Shifting an instant by the offset gives a Date whose UTC fields are the
// Tashkent wall clock, so no time-zone database is needed.
const TASHKENT_OFFSET_MS = 5 * 60 * 60 * 1000

export interface TashkentWallClock {
  year: number
  /** 1–12 */
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** The Tashkent wall-clock time of an instant (milliseconds dropped). */
export function tashkentWallClock(date: Date): TashkentWallClock {
  if (Number.isNaN(date.getTime())) throw new RangeError("Invalid date")
  const local = new Date(date.getTime() + TASHKENT_OFFSET_MS)
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  }
}

/**
 * The instant a Tashkent wall-clock time names. Date.UTC rolls out-of-range parts
 * over (Feb 30 becomes Mar 1, year 99 becomes 1999): callers that need a real
 * date check that tashkentWallClock() gives the same parts back.
 */
export function fromTashkentWallClock(clock: TashkentWallClock): Date {
  const { year, month, day, hour, minute, second } = clock
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - TASHKENT_OFFSET_MS)
}

/** The Tashkent calendar day of an instant, as `YYYY-MM-DD`. */
export function formatTashkentDate(date: Date): string {
  const { year, month, day } = tashkentWallClock(date)
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, "0")
}
