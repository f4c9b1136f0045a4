import { describe, expect, it } from 'vitest';
import { indexedRows, newRowIndex, putRow, rowIndexSize } from '../../src/warehouse/row-index.ts';

describe('row index', () => {
  it('finds the earlier row of a key met again, as a Map would, through growth and any kind of key', () => {
    const index = newRowIndex();
    const model = new Map<string | number, number>();
    let seed = 7;
    const next = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed;
    };
    const keyOf = (n: number): string | number => {
      switch (n % 7) {
        case 0:
          return n % 5000; // many repeats
        case 1:
          return 2 ** 53 - 1 - (n % 300); // beyond 32 bits
        case 2:
          return -(n % 100); // negative, and 0
        case 3:
          return (n % 50) + 0.5; // not an integer
        case 4:
          return `${n % 400}\u0001x`; // a composite key
        case 5:
          return 4_294_967_296 * (n % 40) + (n % 3); // equal low 32 bits, different high ones
        default:
          return n; // mostly new
      }
    };
    for (let row = 0; row < 60_000; row++) {
      const key = keyOf(next());
      expect(putRow(index, key, row)).toBe(model.get(key) ?? -1);
      model.set(key, row);
    }
    expect(rowIndexSize(index)).toBe(model.size);
    expect(new Map(indexedRows(index))).toEqual(model);
  });

  it('holds 0 and -0 as one key, as a Map does', () => {
    const index = newRowIndex();
    expect(putRow(index, 0, 1)).toBe(-1);
    expect(putRow(index, -0, 2)).toBe(1);
    expect(rowIndexSize(index)).toBe(1);
  });
});
