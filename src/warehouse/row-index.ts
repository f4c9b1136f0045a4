/**
 * The rows of a batch by key: which row (an index) holds each key, so that a key met again replaces its
 * earlier row. Integer keys (record ids, nearly every key) go into an open-addressing table in typed
 * arrays, other keys into a Map.
 *
 * A batch keeps its index until it is written. A Map's entries are on the garbage-collected heap, so every
 * young-generation collection copied them and then moved them to the old one (12 MB per full sync of 105k
 * records), and finding a key cost about as much as staging its row's numbers. Typed arrays of this size
 * keep their contents off that heap.
 */

/** Slots of a new table; it doubles when half full. */
const INITIAL_SLOTS = 1024;
const EMPTY = -1;

/** A row's key: its key column's value, or its key columns' values joined. */
export type RowKey = string | number;

export interface RowIndex {
  /** Integer keys, by slot. */
  keys: Float64Array;
  /** The row of the key in the same slot, or EMPTY. */
  rows: Int32Array;
  /** Integer keys held. */
  used: number;
  /** Keys that are not integers. */
  others: Map<RowKey, number>;
}

export function newRowIndex(): RowIndex {
  return { keys: new Float64Array(0), rows: new Int32Array(0), used: 0, others: new Map() };
}

/** Keys held. */
export function rowIndexSize(index: RowIndex): number {
  return index.used + index.others.size;
}

/** Where an integer key's slot is looked for first: its low and high 32 bits, mixed. */
function slotOf(key: number, mask: number): number {
  const low = key >>> 0;
  const high = Math.floor(key / 4_294_967_296) >>> 0;
  return Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b) & mask;
}

/** Records that `key` is in `row`; returns the row that held it before, or -1. */
export function putRow(index: RowIndex, key: RowKey, row: number): number {
  if (typeof key !== 'number' || !Number.isInteger(key)) {
    const earlier = index.others.get(key);
    index.others.set(key, row);
    return earlier ?? -1;
  }
  if ((index.used + 1) * 2 > index.rows.length) grow(index);
  const { keys, rows } = index;
  const mask = rows.length - 1;
  for (let slot = slotOf(key, mask); ; slot = (slot + 1) & mask) {
    const held = rows[slot] as number;
    if (held === EMPTY) {
      keys[slot] = key;
      rows[slot] = row;
      index.used++;
      return -1;
    }
    if (keys[slot] === key) {
      rows[slot] = row;
      return held;
    }
  }
}

function grow(index: RowIndex): void {
  const { keys, rows } = index;
  const slots = Math.max(INITIAL_SLOTS, rows.length * 2);
  index.keys = new Float64Array(slots);
  index.rows = new Int32Array(slots).fill(EMPTY);
  index.used = 0;
  for (let slot = 0; slot < rows.length; slot++) {
    if (rows[slot] !== EMPTY) putRow(index, keys[slot] as number, rows[slot] as number);
  }
}

/** Every key with its row (in no particular order). */
export function* indexedRows(index: RowIndex): Generator<[RowKey, number]> {
  for (let slot = 0; slot < index.rows.length; slot++) {
    if (index.rows[slot] !== EMPTY) yield [index.keys[slot] as number, index.rows[slot] as number];
  }
  yield* index.others;
}
