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

/** Appends `value` to the last chunk, which `reserve` made large enough; returns where it starts. */
export function write(text: CopyText, value: string): number {
  const last = text.chunks.length - 1;
  const start = text.used[last] as number;
  text.used[last] = start + (text.chunks[last] as Buffer).write(value, start);
  return start;
}

/** The bytes from `start` to the end of the last chunk, without copying. */
export function bytesFrom(text: CopyText, start: number): Buffer {
  const last = text.chunks.length - 1;
  return (text.chunks[last] as Buffer).subarray(start, text.used[last]);
}

/** The span from `start` in the last chunk to what has been written since. */
export function spanFrom(text: CopyText, start: number): Span {
  const last = text.chunks.length - 1;
  return { chunk: last, start, end: text.used[last] as number };
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
