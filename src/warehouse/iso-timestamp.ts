/**
 * `Date.prototype.toISOString`, faster for the timestamps a sync writes: about a quarter of a million per
 * 100k records, at 0.45 µs each with Date's own formatting. The day part is formatted once per day and
 * remembered; the time of day is plain arithmetic. Equal to `toISOString()` for every date.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01: from there on toISOString writes a six-digit, signed year. */
const YEAR_10000_MS = 253_402_300_800_000;
const MAX_DAYS_KEPT = 4096;
const dayPrefixes = new Map<number, string>();

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function pad3(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`;
}

export function isoTimestamp(date: Date): string {
  const ms = date.getTime();
  // Before 1970, from the year 10000 on, or invalid (toISOString throws a RangeError): Date's own.
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return date.toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= MAX_DAYS_KEPT) dayPrefixes.clear();
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(rest - seconds * 1000)}Z`;
}
