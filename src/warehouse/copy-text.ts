/**
 * COPY input built as bytes: rows are written into 256 KiB chunks as they are staged, so a batch waiting
 * to be written holds buffers (which the garbage collector neither copies nor scans) rather than one
 * string per row, and the text is encoded once instead of again when it is sent.
 *
 * A row's bytes are contiguous in one chunk (`reserve` first). A row replaced by a later occurrence of
 * its key is dropped (`drop`); `liveChunks` leaves it out. Once its COPY is done, `release` hands the
 * chunks back for the next batches, so a sync holds about as many as it has batches in flight.
 */

const CHUNK_BYTES = 256 * 1024;
/** Released chunks kept for reuse (16 MiB); more than that are left to the garbage collector. */
const POOL_CHUNKS = 64;
const pool: Buffer[] = [];

/** Where a row's bytes are. */
export interface Span {
  chunk: number;
  start: number;
  end: number;
}

export interface CopyText {
  chunks: Buffer[];
  /** Bytes used in each chunk. */
  used: number[];
  dropped: Span[];
}

export function newCopyText(): CopyText {
  return { chunks: [], used: [], dropped: [] };
}

/** Makes room for `maxBytes` contiguous bytes (UTF-8 needs at most 3 bytes per UTF-16 unit). */
export function reserve(text: CopyText, maxBytes: number): void {
  const last = text.chunks.length - 1;
  if (last >= 0 && (text.chunks[last] as Buffer).length - (text.used[last] as number) >= maxBytes) return;
  const reused = maxBytes <= CHUNK_BYTES ? pool.pop() : undefined;
  text.chunks.push(reused ?? Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, maxBytes)));
  text.used.push(0);
}

/** Gives the chunks back for reuse; `text` must not be read again (its bytes will be overwritten). */
export function release(text: CopyText): void {
  for (const chunk of text.chunks) {
    if (chunk.length === CHUNK_BYTES && pool.length < POOL_CHUNKS) pool.push(chunk);
  }
  text.chunks = [];
  text.used = [];
  text.dropped = [];
}

/** The chunk `reserve` made room in: write into it from `usedOf(text)`, then `advance` to the end. */
export function lastChunk(text: CopyText): Buffer {
  return text.chunks[text.chunks.length - 1] as Buffer;
}

/** Where writing continues in the last chunk. */
export function usedOf(text: CopyText): number {
  return text.used[text.chunks.length - 1] as number;
}

/** Records that the last chunk is written up to `end`. */
export function advance(text: CopyText, end: number): void {
  text.used[text.chunks.length - 1] = end;
}

// Writers of COPY text into a chunk at a position, each returning the position after what it wrote. They
// store bytes from JavaScript rather than call into Node's encoder, which costs more than it saves for the
// short values most columns hold, and they make no string.

const ZERO = 0x30;
const BACKSLASH = 0x5c;
/** Text longer than this is escaped and encoded by Node (SIMD) rather than byte by byte. */
const SHORT_TEXT = 64;

/** Writes a string known to be ASCII. */
export function putAscii(buf: Buffer, pos: number, ascii: string): number {
  for (let i = 0; i < ascii.length; i++) buf[pos + i] = ascii.charCodeAt(i);
  return pos + ascii.length;
}

/** Writes a number as `String(n)` spells it (digits made here for an integer from 0 to 2^31 - 1). */
export function putNumber(buf: Buffer, pos: number, n: number): number {
  // Within int32, V8 divides integers rather than doubles.
  if (!(n >= 0 && n <= 0x7fffffff && (n | 0) === n)) return putAscii(buf, pos, String(n));
  let digits = 1;
  for (let m = n | 0; m >= 10; m = (m / 10) | 0) digits++;
  let m = n | 0;
  for (let at = pos + digits - 1; at >= pos; at--) {
    buf[at] = ZERO + (m % 10);
    m = (m / 10) | 0;
  }
  return pos + digits;
}

const COPY_SPECIALS = /[\\\n\r\t]/;
const COPY_SPECIALS_ALL = /[\\\n\r\t]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes text for COPY's text format; most values have nothing to escape and are returned as they are. */
export function escapeCopyText(text: string): string {
  return COPY_SPECIALS.test(text) ? text.replace(COPY_SPECIALS_ALL, (c) => COPY_ESCAPES[c] as string) : text;
}

/**
 * Writes compact JSON text as the API sent it (UTF-8 bytes, no tabs or line breaks: JSON allows those only
 * between tokens) escaped for COPY's text format, which leaves only backslashes to double. At most twice
 * its length.
 */
export function putJsonBytes(buf: Buffer, pos: number, json: Buffer): number {
  let at = pos;
  let from = 0;
  for (let slash = json.indexOf(BACKSLASH); slash !== -1; slash = json.indexOf(BACKSLASH, from)) {
    at += json.copy(buf, at, from, slash + 1);
    buf[at++] = BACKSLASH;
    from = slash + 1;
  }
  return at + json.copy(buf, at, from);
}

/** Writes text escaped for COPY's text format, as UTF-8 (at most 3 bytes per UTF-16 unit of `text`). */
export function putText(buf: Buffer, pos: number, text: string): number {
  if (text.length > SHORT_TEXT) return pos + buf.write(escapeCopyText(text), pos);
  let at = pos;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return at + buf.write(escapeCopyText(text.slice(i)), at);
    if (c === BACKSLASH || c === 0x0a || c === 0x0d || c === 0x09) {
      buf[at++] = BACKSLASH;
      buf[at++] = c === BACKSLASH ? BACKSLASH : c === 0x0a ? 0x6e : c === 0x0d ? 0x72 : 0x74;
    } else buf[at++] = c;
  }
  return at;
}

export function drop(text: CopyText, span: Span): void {
  text.dropped.push(span);
}

/** The written bytes minus dropped rows, as views on the chunks. */
export function liveChunks(text: CopyText): Buffer[] {
  const byChunk = new Map<number, Span[]>();
  for (const span of text.dropped) byChunk.set(span.chunk, [...(byChunk.get(span.chunk) ?? []), span]);
  const views: Buffer[] = [];
  text.chunks.forEach((chunk, i) => {
    const end = text.used[i] as number;
    let from = 0;
    for (const span of (byChunk.get(i) ?? []).sort((a, b) => a.start - b.start)) {
      if (span.start > from) views.push(chunk.subarray(from, span.start));
      from = span.end;
    }
    if (end > from) views.push(chunk.subarray(from, end));
  });
  return views;
}
