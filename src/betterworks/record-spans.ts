/**
 * Where each record of a page is in the page's body, as bytes: the records' JSON text exactly as the API
 * sent it, so that a sync hashes and stores those bytes instead of serializing every parsed record again
 * (about half the cost of reading a record). The body has already parsed as JSON; this finds the records
 * array of the envelopes `readEnvelope` knows (a bare array, or an object's "results") and the bounds of its
 * elements, and gives up (null) on anything else, which callers then serialize as before.
 */
import { isUtf8 } from 'node:buffer';
import { jsonStart } from './client.ts';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const RESULTS = Buffer.from('"results"');

function isSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function skipSpace(body: Buffer, from: number): number {
  let at = from;
  while (isSpace(body[at])) at++;
  return at;
}

/** The position after the string that starts (with its quote) at `from`. */
function skipString(body: Buffer, from: number): number {
  for (let at = from + 1; at < body.length; at++) {
    const byte = body[at];
    if (byte === BACKSLASH) at++;
    else if (byte === QUOTE) return at + 1;
  }
  return -1;
}

/**
 * The deepest nesting of objects and arrays `skipValue` has met since `recordSpans` last reset it (a
 * record's own braces count one): the scan is synchronous, so module state is enough.
 */
let deepest = 0;

/** The position after the JSON value that starts at `from` (no space before it), or -1. */
function skipValue(body: Buffer, from: number): number {
  const first = body[from];
  if (first === QUOTE) return skipString(body, from);
  if (first !== OPEN_OBJECT && first !== OPEN_ARRAY) {
    // A number, true, false or null: it runs to the next delimiter.
    let at = from;
    while (at < body.length) {
      const byte = body[at] as number;
      if (byte === COMMA || byte === CLOSE_ARRAY || byte === CLOSE_OBJECT || isSpace(byte)) break;
      at++;
    }
    return at > from ? at : -1;
  }
  let depth = 0;
  for (let at = from; at < body.length; at++) {
    const byte = body[at];
    if (byte === QUOTE) {
      at = skipString(body, at) - 1;
      if (at < 0) return -1;
    } else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) {
      depth--;
      if (depth === 0) return at + 1;
    }
  }
  return -1;
}

/** Where the records array of the envelope starts (its '['), or -1. */
function recordsArrayAt(body: Buffer, from: number): number {
  let at = skipSpace(body, from);
  if (body[at] === OPEN_ARRAY) return at;
  if (body[at] !== OPEN_OBJECT) return -1;
  at = skipSpace(body, at + 1);
  while (body[at] === QUOTE) {
    const keyEnd = skipString(body, at);
    if (keyEnd < 0) return -1;
    const isResults =
      keyEnd - at === RESULTS.length && body.compare(RESULTS, 0, RESULTS.length, at, keyEnd) === 0;
    at = skipSpace(body, keyEnd);
    if (body[at] !== COLON) return -1;
    at = skipSpace(body, at + 1);
    if (isResults) return body[at] === OPEN_ARRAY ? at : -1;
    at = skipValue(body, at);
    if (at < 0) return -1;
    at = skipSpace(body, at);
    if (body[at] !== COMMA) return -1;
    at = skipSpace(body, at + 1);
  }
  return -1;
}

/** Where a page's records are in its body, and how deep the deepest of them nests. */
export interface RecordSpans {
  /** The start and end (exclusive) of each record, in pairs. */
  spans: Int32Array;
  /** The deepest nesting of objects and arrays in any record, its own braces counting one. */
  depth: number;
}

/**
 * Where each of the `count` records in `body` is; null when the body is not valid UTF-8 (its text was read
 * with replacement characters), or its records array cannot be found or does not hold exactly `count`
 * elements.
 */
export function recordSpans(body: Buffer, count: number): RecordSpans | null {
  if (!isUtf8(body)) return null;
  const open = recordsArrayAt(body, jsonStart(body));
  if (open < 0) return null;
  const spans = new Int32Array(count * 2);
  deepest = 0;
  let found = 0;
  let at = skipSpace(body, open + 1);
  if (body[at] === CLOSE_ARRAY) return count === 0 ? { spans, depth: 0 } : null;
  for (;;) {
    const end = skipValue(body, at);
    if (end < 0 || found === count) return null;
    spans[found * 2] = at;
    spans[found * 2 + 1] = end;
    found++;
    at = skipSpace(body, end);
    if (body[at] === CLOSE_ARRAY) return found === count ? { spans, depth: deepest } : null;
    if (body[at] !== COMMA) return null;
    at = skipSpace(body, at + 1);
  }
}
