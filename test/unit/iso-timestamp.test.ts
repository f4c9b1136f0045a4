import { describe, expect, it } from 'vitest';
import { putIsoTimestamp } from '../../src/warehouse/iso-timestamp.ts';

/** What putIsoTimestamp writes for `date`, with a byte before and after it that must stay untouched. */
function isoTimestamp(date: Date): string {
  const buf = Buffer.alloc(40, 0x7c);
  const end = putIsoTimestamp(buf, 1, date);
  expect([buf[0], buf[end]]).toEqual([0x7c, 0x7c]);
  return buf.toString('latin1', 1, end);
}

describe('putIsoTimestamp', () => {
  it('equals toISOString at the edges of its fast path and beyond them', () => {
    const edges = [
      0,
      1,
      999,
      59_999,
      86_399_999,
      86_400_000,
      951_782_400_000, // 2000-02-29
      1_798_761_599_999, // 2026-12-31T23:59:59.999Z
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000, // +010000-01-01
      -1,
      -62_198_755_200_000, // year 0
      8.64e15,
      -8.64e15,
    ];
    for (const ms of edges) expect(isoTimestamp(new Date(ms)), String(ms)).toBe(new Date(ms).toISOString());
  });

  it('equals toISOString for many times across many days', () => {
    let ms = 0;
    for (let i = 0; i < 20_000; i++) {
      ms = (ms * 1_103_515_245 + 12_345 + i * 7_919_777) % 253_402_300_800_000;
      const date = new Date(ms);
      expect(isoTimestamp(date)).toBe(date.toISOString());
    }
  });

  it('names every calendar day as toISOString does, leap days and century years included', () => {
    const DAY_MS = 86_400_000;
    const wrong: string[] = [];
    // Every day from 1970 to 2300, then every 89th day (about 4 a year) to the end of 9999.
    for (let day = 0; day * DAY_MS < 253_402_300_800_000; day += day < 120_000 ? 1 : 89) {
      const date = new Date(day * DAY_MS + ((day * 7_919) % DAY_MS));
      if (isoTimestamp(date) !== date.toISOString()) wrong.push(date.toISOString());
    }
    expect(wrong).toEqual([]);
  });

  it('refuses an invalid date as toISOString does', () => {
    expect(() => isoTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });
});
