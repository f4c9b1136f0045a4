import { putAscii } from './copy-text.ts';

/**
 * `Date.prototype.toISOString`, written as bytes, faster for the timestamps a sync writes: about a quarter
 * of a million per 100k records, at 0.45 µs each with Date's own formatting, plus the string it makes. The
 * calendar day comes from plain arithmetic (Howard Hinnant's civil-from-days), as does the time of day, in
 * 32-bit integers, and digits are written in pairs from a table: about 45 ns a timestamp (116 ns with
 * floating-point division and a division per digit). The same bytes as `toISOString()` for every date.
 */

const DAY_MS = 86_400_000;
/** 10000-01-01: from there on toISOString writes a six-digit, signed year. */
const YEAR_10000_MS = 253_402_300_800_000;
const ZERO = 0x30;

/** "00" to "99", two bytes each: a pair of digits is looked up, not divided out. */
const DIGIT_PAIRS = Buffer.from(Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0')).join(''));

/** Writes `n` (0..99) as two digits. */
function put2(buf: Buffer, pos: number, n: number): number {
  buf[pos] = DIGIT_PAIRS[2 * n] as number;
  buf[pos + 1] = DIGIT_PAIRS[2 * n + 1] as number;
  return pos + 2;
}

/** Writes `date.toISOString()` into `buf` at `pos` (at most 27 bytes); returns the position after it. */
export function putIsoTimestamp(buf: Buffer, pos: number, date: Date): number {
  const ms = date.getTime();
  // Before 1970, from the year 10000 on, or invalid (toISOString throws a RangeError): Date's own.
  if (!(ms >= 0 && ms < YEAR_10000_MS)) return putAscii(buf, pos, date.toISOString());
  const day = Math.floor(ms / DAY_MS);
  // Days since 0000-03-01, in 400-year eras of 146,097 days; March first puts the leap day last. Every
  // quantity here is a small non-negative integer, so `| 0` divides as integers.
  const z = day + 719_468;
  const era = (z / 146_097) | 0;
  const dayOfEra = z - era * 146_097;
  const yearOfEra =
    ((dayOfEra - ((dayOfEra / 1460) | 0) + ((dayOfEra / 36_524) | 0) - ((dayOfEra / 146_096) | 0)) / 365) | 0;
  const dayOfYear = dayOfEra - (365 * yearOfEra + ((yearOfEra / 4) | 0) - ((yearOfEra / 100) | 0));
  const shiftedMonth = ((5 * dayOfYear + 2) / 153) | 0;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const century = (year / 100) | 0;
  let at = put2(buf, pos, century);
  at = put2(buf, at, year - century * 100);
  buf[at++] = 0x2d; // -
  at = put2(buf, at, month);
  buf[at++] = 0x2d;
  at = put2(buf, at, dayOfYear - (((153 * shiftedMonth + 2) / 5) | 0) + 1);
  buf[at++] = 0x54; // T
  // The time of day fits 32 bits: integer division from here on.
  let rest = (ms - day * DAY_MS) | 0;
  const hours = (rest / 3_600_000) | 0;
  rest -= hours * 3_600_000;
  const minutes = (rest / 60_000) | 0;
  rest -= minutes * 60_000;
  const seconds = (rest / 1000) | 0;
  rest -= seconds * 1000;
  at = put2(buf, at, hours);
  buf[at++] = 0x3a; // :
  at = put2(buf, at, minutes);
  buf[at++] = 0x3a;
  at = put2(buf, at, seconds);
  buf[at++] = 0x2e; // .
  const tenths = (rest / 100) | 0;
  buf[at++] = ZERO + tenths;
  at = put2(buf, at, rest - tenths * 100);
  buf[at++] = 0x5a; // Z
  return at;
}
