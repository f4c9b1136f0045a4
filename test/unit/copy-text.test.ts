import { describe, expect, it } from 'vitest';
import { drop, liveChunks, newCopyText, reserve, spanFrom, write } from '../../src/warehouse/copy-text.ts';

function append(text: ReturnType<typeof newCopyText>, line: string) {
  reserve(text, line.length * 3);
  return spanFrom(text, write(text, line));
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
