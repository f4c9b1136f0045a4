import { describe, expect, it } from 'vitest';
import type { Resource } from '../../src/betterworks/resources/define-resource.ts';
import { stageItems, tableCopyText } from '../../src/warehouse/bulk-loader.ts';

/** COPY's text format read back: the fields of a line, unescaped. */
function fields(line: string): string[] {
  return line
    .split('\t')
    .map((field) => field.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c));
}

describe('raw of a row with none of its own', () => {
  it('is the JSON of its columns, as JSON.stringify writes it, whatever the values', () => {
    const resource = {
      name: 'things',
      tables: {
        things: { key: ['id'], columns: ['id'] },
        parts: { key: ['thing_id', 'label'], columns: ['thing_id', 'label', 'at', 'n', 'ok', 'extra'] },
      },
    } as unknown as Resource;
    const parts = [
      { thing_id: 1, label: 'plain', at: new Date(0), n: 2.5, ok: true, extra: { a: [1, 'x'] } },
      {
        thing_id: 1,
        label: 'tab\there "q" \\ ü 🌍 \u0001 \u2028',
        at: new Date(951_782_400_000),
        n: Number.NaN,
        ok: false,
      },
      { thing_id: 1, label: 'edges', at: new Date(-1), n: -0, ok: null, extra: 'C:\\dir' },
      { thing_id: 1, label: 'big', at: new Date(8.64e15), n: 1e21, extra: [] },
      { thing_id: 1, label: 'inf', n: Number.POSITIVE_INFINITY, extra: 2 ** 31 },
    ];
    const batch = stageItems(
      resource,
      [
        {
          rows: { things: [{ id: 1 }], parts },
          raw: { id: 1 },
          cleaned: false,
          recordId: 1,
          sourceHash: 'h',
        },
      ],
      7,
    );
    const lines = Buffer.concat(tableCopyText(batch, 'parts')).toString().trimEnd().split('\n');
    const columns = ['thing_id', 'label', 'at', 'n', 'ok', 'extra'];
    expect(lines.map((line) => fields(line)[columns.length])).toEqual(
      parts.map((part) =>
        JSON.stringify(
          Object.fromEntries(columns.map((c) => [c, (part as Record<string, unknown>)[c] ?? null])),
        ),
      ),
    );
  });
});
