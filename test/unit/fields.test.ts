import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { z as zod } from 'zod';
import {
  apiId,
  calendarDate,
  employeeId,
  fraction,
  optionalBoolean,
  optionalNumber,
  optionalText,
  refId,
  timestamp,
  userRefs,
} from '../../src/betterworks/fields.ts';

const messages = (schema: z.ZodType, value: unknown) => {
  const result = schema.safeParse(value);
  return result.success ? result.data : result.error.issues.map((issue) => issue.message);
};

describe('field building blocks', () => {
  it('reads ids as numbers or digit strings, and refuses ids a double cannot hold exactly', () => {
    expect(messages(apiId, 42)).toBe(42);
    expect(messages(apiId, '42')).toBe(42);
    expect(messages(apiId, '9007199254740993')).toEqual(['expected a positive integer id']);
    expect(messages(apiId, 0)).toEqual(['expected a positive integer id']);
    expect(messages(apiId, '000')).toEqual(['expected a positive integer id']);
    expect(messages(apiId, 4.5)).toEqual(['expected a positive integer id']);
  });

  it('reads a reference in each of its forms, and refuses one it cannot read', () => {
    expect([7, '7', { id: 7 }, { id: '7' }, { user_id: 7 }].map((value) => messages(refId, value))).toEqual([
      7, 7, 7, 7, 7,
    ]);
    expect(messages(refId, null)).toBeNull();
    expect(messages(refId, undefined)).toBeNull();
    expect(messages(refId, { name: 'x' })).toEqual(['expected a positive integer id']);
    expect(messages(refId, [7])).toEqual(['expected a positive integer id']);
    expect(messages(userRefs, [{ user_id: 1 }, 2, { id: '3' }])).toEqual([1, 2, 3]);
    expect(messages(userRefs, null)).toEqual([]);
  });

  it('reads an optional value that is absent or null as null, and still refuses one of the wrong type', () => {
    const cases: [z.ZodType, unknown][] = [
      [optionalText, 'x'],
      [employeeId, '007'],
      [optionalNumber, 2.5],
      [optionalBoolean, false],
      [fraction, 0.25],
    ];
    for (const [schema, value] of cases) {
      expect([value, null, undefined].map((v) => messages(schema, v))).toEqual([value, null, null]);
      // A key missing from a record is read as null too.
      expect(zod.object({ field: schema }).parse({})).toEqual({ field: null });
      expect(messages(schema, {})).toEqual([expect.any(String)]);
    }
    expect(messages(employeeId, 7)).toBe('7');
  });

  it('keeps plain dates as they are, and refuses days that do not exist instead of rolling them over', () => {
    expect(messages(calendarDate, '2024-02-29')).toBe('2024-02-29');
    expect(messages(calendarDate, 1711843200)).toBe('2024-03-31');
    expect(messages(calendarDate, '2024-03-31T23:00:00-02:00')).toBe('2024-04-01');
    expect(messages(calendarDate, '')).toBeNull();
    for (const day of ['2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10'])
      expect(messages(calendarDate, day)).toEqual(['expected epoch seconds, an ISO-8601 time or YYYY-MM-DD']);
    expect(messages(timestamp, '2023-02-29')).toEqual([
      'expected epoch seconds, an ISO-8601 time or YYYY-MM-DD',
    ]);
    expect(messages(timestamp, '2024-02-29')).toEqual(new Date('2024-02-29T00:00:00Z'));
    expect(messages(timestamp, -5)).toEqual(['expected epoch seconds, an ISO-8601 time or YYYY-MM-DD']);
    expect(messages(timestamp, true)).toEqual(['expected epoch seconds, an ISO-8601 time or YYYY-MM-DD']);
  });

  it('refuses epoch seconds beyond what a date can hold instead of throwing', () => {
    // 1e20 seconds is past Date's ±100 million days: an invalid Date, whose formatting throws.
    for (const value of [1e20, '100000000000000000000', 8.64e12 + 1])
      for (const schema of [timestamp, calendarDate])
        expect(messages(schema, value)).toEqual(['expected epoch seconds, an ISO-8601 time or YYYY-MM-DD']);
    expect(messages(timestamp, 8.64e12)).toEqual(new Date(8.64e15));
  });
});
