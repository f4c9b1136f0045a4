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

export const apiId = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d{1,18}$/, 'expected an integer id')
    .transform(Number),
]);

/** A reference to another record: an id, `{id}`, `{user_id}` or null. */
export const refId = z
  .union([apiId, z.looseObject({ id: apiId }), z.looseObject({ user_id: apiId }), z.null()])
  .optional()
  .transform((value): number | null => {
    if (value === null || value === undefined) return null;
    if (typeof value === 'number') return value;
    return (('id' in value ? value.id : value.user_id) as number | undefined) ?? null;
  });

export const text = z.string();
export const optionalText = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

export const employeeId = z
  .union([z.string(), z.number().int().transform(String)])
  .nullish()
  .transform((value) => value ?? null);

function toDate(value: number | string): Date | undefined {
  if (typeof value === 'number') return new Date(value * 1000);
  if (/^\d+(\.\d+)?$/.test(value)) return new Date(Number(value) * 1000);
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Epoch seconds, ISO-8601 or a plain date, as a `Date`; null when absent. */
export const timestamp = z
  .union([z.number().nonnegative(), z.string()])
  .nullish()
  .transform((value, ctx) => {
    if (value === null || value === undefined || value === '') return null;
    const date = toDate(value);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: 'expected epoch seconds, an ISO-8601 time or YYYY-MM-DD' });
      return z.NEVER;
    }
    return date;
  });

/** A calendar date as YYYY-MM-DD (the day in UTC), from any timestamp form. */
export const calendarDate = timestamp.transform((date) => (date ? date.toISOString().slice(0, 10) : null));

/** A 0..1 fraction. */
export const fraction = z
  .number()
  .min(0, 'expected a fraction from 0 to 1')
  .max(1, 'expected a fraction from 0 to 1')
  .nullish()
  .transform((value) => value ?? null);

export const optionalNumber = z
  .number()
  .nullish()
  .transform((value) => value ?? null);

export const optionalBoolean = z
  .boolean()
  .nullish()
  .transform((value) => value ?? null);

/** A list of references to users, as `[{user_id}]`, `[{id}]` or `[id]`. */
export const userRefs = z
  .array(z.union([apiId, z.looseObject({ user_id: apiId }), z.looseObject({ id: apiId })]))
  .nullish()
  .transform((refs): number[] =>
    (refs ?? []).map((ref) =>
      typeof ref === 'number' ? ref : (('user_id' in ref ? ref.user_id : ref.id) as number),
    ),
  );
