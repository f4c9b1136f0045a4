import { describe, expect, it } from 'vitest';
import type { Resource } from '../../src/betterworks/resources/define-resource.ts';
import { isEmptyBatch, newBatch, stageItem, tableCopyText } from '../../src/warehouse/bulk-loader.ts';

const resource = {
  name: 'things',
  tables: {
    things: { key: ['id'], columns: ['id', 'name'] },
    parts: { key: ['thing_id', 'label'], columns: ['thing_id', 'label'], parentColumn: 'thing_id' },
  },
} as unknown as Resource;

function item(rows: Record<string, Record<string, unknown>[]>) {
  return { rows, raw: { id: 1 }, cleaned: false, recordId: 1, sourceHash: 'h' };
}

describe('staging a record into the tables its resource declares', () => {
  it('refuses rows for a table the resource does not declare, naming it, and stages none of the record', () => {
    const batch = newBatch(resource, 7);
    expect(() =>
      stageItem(resource, batch, item({ things: [{ id: 1, name: 'a' }], extras: [{ id: 2 }] })),
    ).toThrow('resource things produced rows for undeclared table extras');
    expect(isEmptyBatch(batch)).toBe(true);
  });

  it('stages the tables a record has rows for, and counts its distinct rows', () => {
    const batch = newBatch(resource, 7);
    expect(stageItem(resource, batch, item({ things: [{ id: 1, name: 'a' }] }))).toBe(1);
    const rows = item({
      parts: [
        { thing_id: 1, label: 'x' },
        { thing_id: 1, label: 'y' },
        { thing_id: 1, label: 'x' },
      ],
      things: [{ id: 1, name: 'b' }],
    });
    // Declared in the other order than the resource declares its tables; the repeated part counts once.
    expect(stageItem(resource, batch, rows)).toBe(3);
    const lines = (table: string) =>
      Buffer.concat(tableCopyText(batch, table))
        .toString()
        .trimEnd()
        .split('\n')
        .map((line) => line.split('\t').slice(0, 2).join(' '));
    // The last occurrence of a key wins, in its own place.
    expect(lines('things')).toEqual(['1 b']);
    expect(lines('parts')).toEqual(['1 y', '1 x']);
  });
});
