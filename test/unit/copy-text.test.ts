import { describe, expect, it } from 'vitest';
import {
  advance,
  drop,
  escapeCopyText,
  lastChunk,
  liveChunks,
  newCopyText,
  putJsonBytes,
  putNumber,
  putText,
  reserve,
  usedOf,
} from '../../src/warehouse/copy-text.ts';

function append(text: ReturnType<typeof newCopyText>, line: string) {
  reserve(text, line.length * 3);
  const start = usedOf(text);
  advance(text, start + lastChunk(text).write(line, start));
  return { chunk: text.chunks.length - 1, start, end: usedOf(text) };
}

describe('COPY text in byte chunks', () => {
  it('keeps rows whole across chunks, encodes UTF-8, and leaves dropped rows out', () => {
    const text = newCopyText();
    const big = `${'x'.repeat(200 * 1024)}\n`;
    const first = append(text, 'a\tZürich 🌍\n');
    append(text, big);
    const third = append(text, big);
    append(text, 'd\n');
    expect(text.chunks.length).toBeGreaterThan(1);
    expect(third.end - third.start).toBe(big.length);
    drop(text, first);
    drop(text, third);
    expect(Buffer.concat(liveChunks(text)).toString()).toBe(`${big}d\n`);
  });
});

describe('COPY value writers', () => {
  /** What `put` writes, checking that it stays within its bound and reports where it stopped. */
  function written(put: (buf: Buffer, pos: number) => number, bound: number): string {
    const buf = Buffer.alloc(bound + 2, 0x7c);
    const end = put(buf, 1);
    expect(end).toBeLessThanOrEqual(bound + 1);
    expect([buf[0], buf[end]]).toEqual([0x7c, 0x7c]);
    return buf.toString('utf8', 1, end);
  }

  it('spells numbers as String does, integers digit by digit', () => {
    const numbers = [0, -0, 7, 9, 10, 99, 100, 123_456, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1, -1, 0.25, -2.5e-7];
    for (const n of [...numbers, 1e21, Number.NaN, Number.POSITIVE_INFINITY, Number.MIN_VALUE])
      expect(
        written((buf, pos) => putNumber(buf, pos, n), 32),
        String(n),
      ).toBe(String(n));
    for (let n = 1; n < 2 ** 31; n = n * 3 + 1)
      expect(written((buf, pos) => putNumber(buf, pos, n), 32)).toBe(String(n));
  });

  it('escapes text for COPY and encodes it as UTF-8, short or long, within 3 bytes per UTF-16 unit', () => {
    const texts = [
      '',
      'plain',
      'tab\there, line\nand\r\\back',
      'Zürich 🌍 مرحبا',
      'ascii first, then ü',
      '\\\\',
      'lone \ud800 surrogate',
      `${'long text '.repeat(20)}with a \t and ü`,
      'x'.repeat(65),
    ];
    for (const text of texts)
      expect(written((buf, pos) => putText(buf, pos, text), text.length * 3)).toBe(
        Buffer.from(escapeCopyText(text)).toString(),
      );
    expect(escapeCopyText('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  });

  it('copies compact JSON bytes as sent, with each backslash doubled, within twice their length', () => {
    const values = [
      {},
      { a: 'plain' },
      { q: 'say "hi"', p: 'C:\\dir\\', t: 'tab\tline\n' },
      ['\\'],
      'é \u0001 🌍',
    ];
    for (const value of values) {
      const json = Buffer.from(JSON.stringify(value));
      const expected = Buffer.from(JSON.stringify(value).replaceAll('\\', '\\\\')).toString();
      expect(written((buf, pos) => putJsonBytes(buf, pos, json), json.length * 2)).toBe(expected);
    }
  });
});
