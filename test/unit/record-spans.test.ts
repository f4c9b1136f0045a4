import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, normalizeRecord } from '../../src/betterworks/normalize.ts';
import { recordSpans } from '../../src/betterworks/record-spans.ts';
import type { Resource } from '../../src/betterworks/resources/define-resource.ts';
import { findResource } from '../../src/betterworks/resources/registry.ts';
import { pageSources } from '../../src/warehouse/bulk-loader.ts';

/** A deterministic random JSON value with awkward strings, and JSON text for it with random spacing. */
function generator(seed: number) {
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state % n;
  };
  const strings = [
    '',
    'plain',
    'say "hi"',
    'back\\slash',
    '[{not}],',
    'tab\tline\nend',
    'Zürich 🌍 مرحبا',
    '\u0001',
    '"',
    '\\',
  ];
  const value = (depth: number): unknown => {
    switch (next(depth > 3 ? 6 : 8)) {
      case 0:
        return null;
      case 1:
        return next(2) === 0;
      case 2:
        return next(1_000_000) / (next(3) + 1) - 500;
      case 3:
      case 4:
      case 5:
        return strings[next(strings.length)];
      case 6:
        return Array.from({ length: next(4) }, () => value(depth + 1));
      default:
        return Object.fromEntries(
          Array.from({ length: next(5) }, (_, i) => [
            `${strings[next(strings.length)]}${i}`,
            value(depth + 1),
          ]),
        );
    }
  };
  const space = () => [' ', '', '\n  ', '\t', '\r\n'][next(5)] as string;
  /** JSON text of `v` with space between tokens. */
  const text = (v: unknown): string => {
    if (Array.isArray(v)) return `[${space()}${v.map((x) => `${text(x)}${space()}`).join(`,${space()}`)}]`;
    if (v && typeof v === 'object')
      return `{${space()}${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}${space()}:${space()}${text(x)}`)
        .join(`${space()},${space()}`)}${space()}}`;
    return JSON.stringify(v);
  };
  return { value, text, next, space };
}

/** How deep objects and arrays nest in `v`, its own counting one (a string or number: 0). */
function nesting(v: unknown): number {
  if (v === null || typeof v !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(v as object).map(nesting));
}

function parsedSpans(body: Buffer, count: number): unknown[] | null {
  const found = recordSpans(body, count);
  if (!found) return null;
  const { spans } = found;
  const out: unknown[] = [];
  for (let i = 0; i < spans.length; i += 2) {
    const text = body.toString('utf8', spans[i], spans[i + 1]);
    // Exactly the record: no space around it.
    expect(text.trim()).toBe(text);
    out.push(JSON.parse(text));
  }
  expect(found.depth).toBe(Math.max(0, ...out.map(nesting)));
  return out;
}

describe('record spans', () => {
  it('finds each record of every envelope, whatever its spacing and strings', () => {
    const { value, text, next, space } = generator(11);
    for (let page = 0; page < 400; page++) {
      const records = Array.from({ length: next(6) }, () =>
        next(4) === 0 ? value(0) : { id: page, body: value(1) },
      );
      const list = text(records);
      const envelopes = [
        list,
        `{${space()}"results"${space()}:${space()}${list}${space()},"more":true,"nextURL":"https://x/?a=[1]"}`,
        `{"count":${records.length},"next":null,"previous":"{\\"results\\":[1]}",${space()}"results":${list}}`,
        `\ufeff{"results":${list}}`,
      ];
      for (const envelope of envelopes) {
        const body = Buffer.from(envelope);
        const parsed = JSON.parse(body.toString('utf8').replace(/^\ufeff/, ''));
        expect(parsedSpans(body, records.length)).toEqual(Array.isArray(parsed) ? parsed : parsed.results);
      }
    }
  });

  it('gives up on a body it cannot read exactly: wrong count, no records array, bytes that are not UTF-8', () => {
    const body = Buffer.from('{"results":[{"id":1},{"id":2}]}');
    expect(recordSpans(body, 2)).not.toBeNull();
    expect(recordSpans(body, 1)).toBeNull();
    expect(recordSpans(body, 3)).toBeNull();
    expect(recordSpans(Buffer.from('{"data":[{"id":1}]}'), 1)).toBeNull();
    expect(recordSpans(Buffer.from('{"more":false,"results":{"id":1}}'), 1)).toBeNull();
    expect(recordSpans(Buffer.from('[]'), 0)).toEqual({ spans: new Int32Array(0), depth: 0 });
    expect(
      recordSpans(Buffer.concat([Buffer.from('[{"name":"'), Buffer.from([0xff]), Buffer.from('"}]')]), 1),
    ).toBeNull();
  });
});

describe('a page of plain records', () => {
  const users = findResource('users') as Resource;
  const page = (records: unknown[]) => {
    const body = Buffer.from(JSON.stringify({ results: records }));
    return { body, records: (JSON.parse(body.toString()) as { results: unknown[] }).results };
  };
  const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { next: nested(levels - 1) });

  it('is one whose text shows no NUL and no record nested deeper than jsonb takes', () => {
    const plain = page([
      { id: 1, name: 'A' },
      { id: 2, settings: nested(MAX_JSON_DEPTH - 1) },
    ]);
    expect(pageSources(users, plain.body, plain.records).plain).toBe(true);
    for (const records of [
      [{ id: 1, name: 'A\u0000B' }],
      [{ id: 1, 'key\u0000': 1 }],
      [{ id: 1, settings: nested(MAX_JSON_DEPTH) }],
      // Not a NUL (an escaped backslash, then "u0000"), but the page is read record by record all the same.
      [{ id: 1, name: 'C:\\u0000' }],
    ]) {
      const { body, records: parsed } = page(records);
      expect(pageSources(users, body, parsed).plain, JSON.stringify(records)).toBe(false);
    }
  });

  it('normalizes as it would when walked, and a page that is not plain is still cleaned and checked', () => {
    for (const records of [
      [{ id: 1, name: 'A' }],
      [{ id: 2, name: 'A\u0000B' }],
      [{ id: 3, name: 'Deep', settings: nested(MAX_JSON_DEPTH + 1) }],
    ]) {
      const { body, records: parsed } = page(records);
      const { plain } = pageSources(users, body, parsed);
      expect(normalizeRecord(users, parsed[0], plain)).toEqual(normalizeRecord(users, parsed[0]));
    }
    const nul = page([{ id: 2, name: 'A\u0000B' }]);
    const cleaned = normalizeRecord(users, nul.records[0], pageSources(users, nul.body, nul.records).plain);
    expect(cleaned.ok && cleaned.cleaned).toBe(true);
    const deep = page([{ id: 3, name: 'Deep', settings: nested(MAX_JSON_DEPTH + 1) }]);
    const refused = normalizeRecord(
      users,
      deep.records[0],
      pageSources(users, deep.body, deep.records).plain,
    );
    expect(refused.ok).toBe(false);
  });
});
