/**
 * zod building blocks that normalize Betterworks values into what the warehouse stores.
 *
 * - ids are positive integers (bigint columns); a numeric string such as "42" is accepted.
 * - employee ids stay strings, leading zeros and case kept.
 * - timestamps accept epoch seconds, ISO-8601 and YYYY-MM-DD, and become `Date`.
 * - dates (`start`, `end`) become `YYYY-MM-DD` strings.
 * - progress is a 0..1 fraction.
 * NUL characters are removed before parsing (see normalize.ts), so text here is already clean.
 */
import { z } from 'zod';

function isPositiveId(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

/** A positive integer id: a number, or a string of digits that fits a double exactly. */
export const apiId = z
  .custom<number | string>(
    (value) =>
      typeof value === 'number'
        ? isPositiveId(value)
        : typeof value === 'string' && /^\d{1,16}$/.test(value) && isPositiveId(Number(value)),
    'expected a positive integer id',
  )
  .transform(Number);

/** `{id}` or `{user_id}` stand for their id; anything else is left for `apiId` to judge. */
function unwrapRef(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  if ('id' in value) return value.id;
  if ('user_id' in value) return value.user_id;
  return value;
}

/**
 * A reference to another record: an id, `{id}`, `{user_id}` or null. Unwrapped before validation rather
 * than tried as a union, which costs a failed parse (and its issues) for every value of the later forms.
 */
export const refId = z.preprocess(unwrapRef, apiId.nullable().default(null));

export const text = z.string();
export const optionalText = z.string().nullable().default(null);

export const employeeId = z
  .union([z.string(), z.number().int().transform(String)])
  .nullable()
  .default(null);

/** A time Date can hold (epoch seconds beyond its range of ±100 million days make an invalid Date). */
function validDate(date: Date): Date | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function toDate(value: number | string): Date | undefined {
  if (typeof value === 'number') return validDate(new Date(value * 1000));
  if (/^\d+(\.\d+)?$/.test(value)) return validDate(new Date(Number(value) * 1000));
  if (hasPlainDateShape(value)) {
    // Date would roll 2023-02-30 over into March; a day that does not exist is an error instead.
    const plain = plainDate(value);
    return plain ? new Date(`${plain}T00:00:00Z`) : undefined;
  }
  return validDate(new Date(value));
}

const TIME_MESSAGE = 'expected epoch seconds, an ISO-8601 time or YYYY-MM-DD';

/** Epoch seconds or a string, checked in one step (a union would fail a parse for every string). */
const timeValue = z.custom<number | string>(
  (value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value) && value >= 0),
  TIME_MESSAGE,
);

/** Epoch seconds, ISO-8601 or a plain date, as a `Date`; null when absent. */
export const timestamp = timeValue.nullish().transform((value, ctx) => {
  if (value === null || value === undefined || value === '') return null;
  const date = toDate(value);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
    return z.NEVER;
  }
  return date;
});

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The number spelled by the digits of `text` from `start` to `end`, or NaN. */
function digitsAt(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    n = n * 10 + digit;
  }
  return n;
}

function hasPlainDateShape(value: string): boolean {
  return value.length === 10 && value[4] === '-' && value[7] === '-';
}

/** A YYYY-MM-DD string naming a real day, as it is; undefined for anything else. */
function plainDate(value: string): string | undefined {
  if (!hasPlainDateShape(value)) return undefined;
  const year = digitsAt(value, 0, 4);
  const month = digitsAt(value, 5, 7);
  const day = digitsAt(value, 8, 10);
  if (!(month >= 1 && month <= 12 && day >= 1)) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number)) ? value : undefined;
}

/** A calendar date as YYYY-MM-DD (the day in UTC), from any timestamp form; a plain date passes as it is. */
export const calendarDate = timeValue.nullish().transform((value, ctx) => {
  if (value === null || value === undefined || value === '') return null;
  const plain = typeof value === 'string' ? plainDate(value) : undefined;
  if (plain) return plain;
  const date = toDate(value);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: TIME_MESSAGE });
    return z.NEVER;
  }
  return date.toISOString().slice(0, 10);
});

/** A 0..1 fraction. */
export const fraction = z
  .number()
  .min(0, 'expected a fraction from 0 to 1')
  .max(1, 'expected a fraction from 0 to 1')
  .nullable()
  .default(null);

export const optionalNumber = z.number().nullable().default(null);

export const optionalBoolean = z.boolean().nullable().default(null);

/** A list of references to users, as `[{user_id}]`, `[{id}]` or `[id]`. */
export const userRefs = z
  .array(z.preprocess(unwrapRef, apiId))
  .nullish()
  .transform((refs): number[] => refs ?? []);
