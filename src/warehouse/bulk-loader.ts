/**
 * Writes one batch of normalized records into a resource's tables. Records with no rows yet are copied
 * straight in with COPY; the others go through COPY into a temp staging table, then one
 * `INSERT … ON CONFLICT … DO UPDATE … WHERE _hash IS DISTINCT FROM …` per table, so unchanged rows are
 * not rewritten (and `_synced_at` does not move). Children of a record missing from its latest payload are
 * soft-deleted; every main-table id is recorded as seen for the pass, for delete detection at its end.
 *
 * Must run inside the caller's transaction, on the connection that owns the staging tables.
 */
import { hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MAX_JSON_DEPTH, type NormalizedRecord } from '../betterworks/normalize.ts';
import { recordSpans } from '../betterworks/record-spans.ts';
import {
  mainTable,
  type Resource,
  type Row,
  type TableSpec,
} from '../betterworks/resources/define-resource.ts';
import {
  advance,
  type CopyText,
  drop,
  lastChunk,
  liveChunks,
  newCopyText,
  putAscii,
  putJsonBytes,
  putNumber,
  putText,
  release,
  reserve,
  usedOf,
} from './copy-text.ts';
import { putIsoTimestamp } from './iso-timestamp.ts';
import { indexedRows, newRowIndex, putRow, type RowIndex, type RowKey, rowIndexSize } from './row-index.ts';

/** A normalized record, as the loader takes it. */
export interface LoadItem {
  rows: Record<string, Row[]>;
  raw: Record<string, unknown>;
  cleaned: boolean;
  /** The API record's id: `_record_id` of every main-table row it produces. */
  recordId: number;
  /** Hash of the record as received, kept on the record's own row (see `sourceHash`). */
  sourceHash: string;
  /**
   * `raw` as JSON text, when the caller already has it (the record needed no cleaning): as the API's bytes
   * (see `pageSources`) or as a string.
   */
  rawJson?: string | Buffer;
  /**
   * The caller found no row for this record: its rows are copied straight into the tables instead of
   * through staging and upsert. Only a hint: if a key turns out to exist after all, the batch is upserted.
   */
  isNew?: boolean;
}

/** The load item for a record that normalized, with the hash of the record as received. */
export function loadItemFrom(
  result: NormalizedRecord,
  source: { hash: string; json?: string | Buffer },
  isNew = false,
): LoadItem {
  return {
    rows: result.rows,
    raw: result.raw,
    // A cleaned record's raw is a copy without its NULs: the received JSON text does not describe it.
    rawJson: result.cleaned ? undefined : source.json,
    cleaned: result.cleaned,
    recordId: result.recordId,
    sourceHash: source.hash,
    isNew,
  };
}

export interface LoadCounts {
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Child rows soft-deleted because their parent's payload no longer lists them. */
  deleted: number;
  /** Main-table records that are new or whose change time moved (resources with one). */
  changed: number;
}

export function emptyCounts(): LoadCounts {
  return { seen: 0, inserted: 0, updated: 0, unchanged: 0, deleted: 0, changed: 0 };
}

export function addCounts(into: LoadCounts, more: LoadCounts): void {
  for (const key of Object.keys(more) as (keyof LoadCounts)[]) into[key] += more[key];
}

const BOOKKEEPING_STAGED = ['raw', '_hash', '_cleaned'] as const;
const RECORD_STAGED = ['_record_id', '_source_hash', '_row_count'] as const;

const q = pg.escapeIdentifier;

function stageName(table: string): string {
  return `bwsync_stage_${table}`;
}

const TAB = 0x09;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** What the bookkeeping columns after raw take at most: hash, cleaned, record identity, run. */
const SUFFIX_BYTES = 200;
/** What a typed value other than text takes at most: `String(n)` of a double or an ISO timestamp. */
const SCALAR_BYTES = 32;
/**
 * The typed values of the row being staged, by column position, read once: rows of every table pass
 * here, so each read is a megamorphic property lookup, and writing a row reads each value two or three
 * times.
 */
const valueScratch: unknown[] = [];
/** JSON text of the row's object values, by column position, made while bounding the row's size. */
const jsonScratch: string[] = [];

/**
 * Reads a row's typed values (into `valueScratch`) and returns at most how many bytes they take in COPY
 * text (see `putTyped`).
 */
function readTyped(row: Row, columns: readonly string[]): number {
  let bytes = 0;
  for (let i = 0; i < columns.length; i++) {
    const value = row[columns[i] as string];
    valueScratch[i] = value;
    if (typeof value === 'string') bytes += value.length * 3 + 1;
    else if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const json = JSON.stringify(value);
      jsonScratch[i] = json;
      bytes += json.length * 3 + 1;
    } else bytes += SCALAR_BYTES + 1;
  }
  return bytes;
}

/** Writes the typed values `readTyped` read, `count` of them, as tab-separated COPY text. */
function putTyped(buf: Buffer, pos: number, count: number): number {
  let at = pos;
  for (let i = 0; i < count; i++) {
    if (i > 0) buf[at++] = TAB;
    const value = valueScratch[i];
    if (value === null || value === undefined) {
      buf[at++] = BACKSLASH;
      buf[at++] = 0x4e; // \N
    } else if (typeof value === 'number') at = putNumber(buf, at, value);
    else if (typeof value === 'boolean')
      buf[at++] = value ? 0x74 : 0x66; // t, f
    else if (value instanceof Date) at = putIsoTimestamp(buf, at, value);
    else at = putText(buf, at, typeof value === 'object' ? (jsonScratch[i] as string) : String(value));
  }
  return at;
}

/** JSON text for COPY: JSON.stringify escapes every control character, so only backslashes remain. */
function copyJson(json: string): string {
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}

/** Numbers per row in `StagedTable.lines`: chunk, start, end, and 1 if in `fresh` (else 0). */
const LINE_FIELDS = 4;

/**
 * One table's rows in a batch: by key (the last occurrence wins), and their COPY text. Where each row's
 * line is, is kept as integers in a typed array rather than as an object per row: a batch's rows live
 * until it is written, and objects that live that long are copied by each young-generation collection and
 * then moved to the old one (see row-index.ts).
 */
export interface StagedTable {
  /** Each key's row, as its index in `lines`. */
  rows: RowIndex;
  /** `LINE_FIELDS` numbers per row, for `lineCount` rows (it grows by doubling). */
  lines: Int32Array;
  lineCount: number;
  /** Rows whose line is in `fresh` (see `LoadItem.isNew`). */
  newRows: number;
  fresh: CopyText;
  rest: CopyText;
}

/** Records where the table's next row's line is. */
function addLine(staged: StagedTable, chunk: number, start: number, end: number, isNew: boolean): void {
  let at = staged.lineCount * LINE_FIELDS;
  if (at + LINE_FIELDS > staged.lines.length) {
    const grown = new Int32Array(Math.max(1024 * LINE_FIELDS, staged.lines.length * 2));
    grown.set(staged.lines);
    staged.lines = grown;
  }
  const { lines } = staged;
  lines[at++] = chunk;
  lines[at++] = start;
  lines[at++] = end;
  lines[at] = isNew ? 1 : 0;
  staged.lineCount++;
}

/** Each row's key and COPY line (for tools and tests). */
export function* stagedLines(table: StagedTable): Generator<[RowKey, Buffer]> {
  for (const [key, row] of indexedRows(table.rows)) {
    const at = row * LINE_FIELDS;
    const text = table.lines[at + 3] === 1 ? table.fresh : table.rest;
    const chunk = text.chunks[table.lines[at] as number] as Buffer;
    yield [key, chunk.subarray(table.lines[at + 1], table.lines[at + 2])];
  }
}

/**
 * A batch as it is built: each table's rows as COPY text, not the records they came from, so memory holds
 * bytes and little else.
 */
export interface StagedBatch {
  runId: number;
  tables: Map<string, StagedTable>;
  /** The resource's tables in declaration order, as staging reads them for every record. */
  plan: readonly PlannedTable[];
}

/**
 * A table of the batch's resource, with what staging a row into it needs. Every resource's tables are
 * described by objects of this one shape, read from an array: staging code that walked each resource's
 * own `tables` object (and each record's rows object) met a new hidden class with every resource and was
 * deoptimized and compiled again each time: 0.1 to 0.14 s of TurboFan time per full sync, about half of
 * which this saves (the rest comes from the rows themselves, whose shapes differ by table).
 */
interface PlannedTable {
  name: string;
  key: readonly string[];
  columns: readonly string[];
  isMain: boolean;
  /** `{"column":`, then `,"column":` for each further column (see `putColumnsJson`). */
  jsonKeys: readonly string[];
  staged: StagedTable;
}

export function newBatch(resource: Resource, runId: number): StagedBatch {
  const main = mainTable(resource);
  const plan = Object.entries(resource.tables).map(
    ([name, spec]): PlannedTable => ({
      name,
      key: spec.key,
      columns: spec.columns,
      isMain: name === main,
      jsonKeys: spec.columns.map((column, i) => `${i === 0 ? '{' : ','}${JSON.stringify(column)}:`),
      staged: {
        rows: newRowIndex(),
        lines: new Int32Array(0),
        lineCount: 0,
        newRows: 0,
        fresh: newCopyText(),
        rest: newCopyText(),
      },
    }),
  );
  return { runId, tables: new Map(plan.map((table) => [table.name, table.staged])), plan };
}

/**
 * The staged columns of a table, in COPY line order: typed columns as declared, raw, _hash and _cleaned,
 * the record identity on main tables, and the run that writes the row.
 */
export function stagedColumns(spec: TableSpec, isMain: boolean): string[] {
  return isMain
    ? [...spec.columns, ...BOOKKEEPING_STAGED, ...RECORD_STAGED, '_run_id']
    : [...spec.columns, ...BOOKKEEPING_STAGED, '_run_id'];
}

/**
 * The content hash used for records and rows: SHA-1 (change detection, not security), which CPUs with SHA
 * instructions compute about twice as fast as MD5, as 27 URL-safe characters.
 */
function digest(data: string | Buffer): string {
  return hash('sha1', data, 'base64url');
}

/** Bump whenever normalization changes, so that every record is staged again. */
const NORMALIZATION_VERSION = 1;
const tags = new WeakMap<Resource, string>();

/**
 * Hash of a record as received, tagged with a hash of the resource's table layout and the normalization
 * version: an unchanged hash means the record's rows are unchanged too. (The tag is prepended rather than
 * hashed in, which would first copy the record's text into one string.)
 */
function sourceHash(resource: Resource, recordJson: string | Buffer): string {
  let tag = tags.get(resource);
  if (tag === undefined) {
    const salt = `${NORMALIZATION_VERSION}:${resource.name}:${JSON.stringify(resource.tables)}`;
    tag = digest(salt).slice(0, 8);
    tags.set(resource, tag);
  }
  return `${tag}${digest(recordJson)}`;
}

/**
 * Fingerprint of a page's body, tagged like source hashes: a change of table layout or normalization
 * leaves no page recognized. (Of its bytes, which are its text's UTF-8: prints taken of the text remain
 * valid.)
 */
export function pageFingerprint(resource: Resource, body: Buffer): string {
  return sourceHash(resource, body);
}

/** A record serialized again, and the source hash of that text (for records not read from a page). */
export function fingerprint(resource: Resource, record: unknown): { json: string; hash: string } {
  const json = JSON.stringify(record);
  return { json, hash: sourceHash(resource, json) };
}

/** A page's records as received: where each is in the body (null: see `pageSources`), and their hashes. */
export interface PageSources {
  spans: Int32Array | null;
  hashes: string[];
  /**
   * The body's text shows that no record holds a NUL (no `\u0000` escape anywhere) or nests deeper than
   * `MAX_JSON_DEPTH`: normalization need not walk the records to find out (see `normalizeRecord`).
   */
  plain: boolean;
}

/** A NUL as JSON text can hold it: JSON.parse refuses a raw NUL byte in a string. */
const NUL_ESCAPE = Buffer.from('\\u0000');

/**
 * The source hashes of a page's records, of their bytes in the body exactly as the API sent them, found by
 * `recordSpans`: hashing and storing those bytes costs half of serializing each parsed record again. Where
 * the body cannot be read so (spaced out, not UTF-8, an envelope it does not know), of each record
 * serialized again; such a record looks changed once when its page is next read in full. Every reader of
 * a page's records hashes them here, so that a record's hash does not depend on the path that read it.
 */
export function pageSources(resource: Resource, body: Buffer, records: readonly unknown[]): PageSources {
  const found = isCompact(body) ? recordSpans(body, records.length) : null;
  const spans = found === null ? null : found.spans;
  const hashes = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) {
    hashes[i] = spans
      ? sourceHash(resource, body.subarray(spans[2 * i], spans[2 * i + 1]))
      : fingerprint(resource, records[i]).hash;
  }
  const plain = found !== null && found.depth <= MAX_JSON_DEPTH && body.indexOf(NUL_ESCAPE) === -1;
  return { spans, hashes, plain };
}

/**
 * Whether JSON text has no tabs or line breaks (which it may hold only between tokens): then its records'
 * bytes need only their backslashes doubled for COPY (`putJsonBytes`). APIs send compact JSON; a body
 * spaced out for reading is serialized again instead.
 */
function isCompact(body: Buffer): boolean {
  return body.indexOf(0x0a) === -1 && body.indexOf(0x0d) === -1 && body.indexOf(0x09) === -1;
}

/** The bytes of a page's record `index` as the API sent them, when `pageSources` found them. */
export function recordBytes(
  body: Buffer,
  sources: Pick<PageSources, 'spans'>,
  index: number,
): Buffer | undefined {
  const { spans } = sources;
  return spans ? body.subarray(spans[2 * index], spans[2 * index + 1]) : undefined;
}

/**
 * Adds a record's rows to the batch as COPY lines, and returns how many distinct rows it has. A row's hash
 * covers its typed values and raw, exactly as they are sent: equal hash, equal row.
 */
export function stageItem(resource: Resource, batch: StagedBatch, item: LoadItem): number {
  const isNew = item.isNew === true;
  const { plan } = batch;
  const rowCount = distinctRows(resource, plan, item);
  for (let t = 0; t < plan.length; t++) {
    const { name, key: keyColumns, columns, isMain, jsonKeys, staged } = plan[t] as PlannedTable;
    const rows = item.rows[name];
    if (rows === undefined) continue;
    for (let position = 0; position < rows.length; position++) {
      const row = rows[position] as Row;
      // The record's own row stores the whole record as raw, so the record's source hash (salted with the
      // normalization version) identifies its content as well as a hash of the row would.
      const ownRow = isMain && position === 0 && (row.raw === undefined || row.raw === null);
      // raw: text, bytes as received, or (null) the row's own columns, written as JSON by putColumnsJson.
      let raw: string | Buffer | null;
      if (!ownRow && row.raw !== undefined && row.raw !== null) raw = copyJson(JSON.stringify(row.raw));
      else if (!ownRow) raw = null;
      else if (typeof item.rawJson === 'string') raw = copyJson(item.rawJson);
      else raw = item.rawJson ?? copyJson(JSON.stringify(item.raw));
      const key = keyOf(row, keyColumns);
      const { lines } = staged;
      const earlier = putRow(staged.rows, key, staged.lineCount);
      if (earlier !== -1) {
        // The last occurrence wins: the earlier line is left out of the COPY.
        const at = earlier * LINE_FIELDS;
        const inFresh = lines[at + 3] === 1;
        drop(inFresh ? staged.fresh : staged.rest, {
          chunk: lines[at] as number,
          start: lines[at + 1] as number,
          end: lines[at + 2] as number,
        });
        if (inFresh) staged.newRows--;
      }
      const text = isNew ? staged.fresh : staged.rest;
      const typedBytes = readTyped(row, columns);
      // Bytes as received are escaped into at most twice their length; text is encoded into at most three.
      const rawBytes =
        raw === null ? columnsJsonBound(jsonKeys) : raw.length * (typeof raw === 'string' ? 3 : 2);
      reserve(text, typedBytes + rawBytes + SUFFIX_BYTES);
      const buf = lastChunk(text);
      const start = usedOf(text);
      let at = putTyped(buf, start, columns.length);
      buf[at++] = TAB;
      if (raw === null) at = putColumnsJson(buf, at, jsonKeys);
      else at = typeof raw === 'string' ? at + buf.write(raw, at) : putJsonBytes(buf, at, raw);
      // Hashed as the bytes just written: the text is encoded once.
      const rowHash = ownRow ? item.sourceHash : digest(buf.subarray(start, at));
      buf[at++] = TAB;
      at = putAscii(buf, at, rowHash);
      buf[at++] = TAB;
      buf[at++] = item.cleaned ? 0x74 : 0x66;
      if (isMain) {
        // The record's own row keeps its source hash and row count; rows nested in it (key results) only
        // point to it.
        buf[at++] = TAB;
        at = putNumber(buf, at, item.recordId);
        buf[at++] = TAB;
        if (row.id === item.recordId) {
          at = putAscii(buf, at, item.sourceHash);
          buf[at++] = TAB;
          at = putNumber(buf, at, rowCount);
        } else at = putAscii(buf, at, '\\N\t\\N');
      }
      buf[at++] = TAB;
      at = putNumber(buf, at, batch.runId);
      buf[at++] = 0x0a;
      advance(text, at);
      addLine(staged, text.chunks.length - 1, start, at, isNew);
      if (isNew) staged.newRows++;
    }
  }
  return rowCount;
}

/**
 * At most how many bytes `putColumnsJson` writes for the row `readTyped` read, whose values and JSON of
 * object values it reuses. JSON.stringify writes a UTF-16 unit of a string as at most 6 characters
 * (`\u001f`), and COPY doubles its backslash.
 */
function columnsJsonBound(keys: readonly string[]): number {
  let bytes = 2;
  for (let i = 0; i < keys.length; i++) {
    const value = valueScratch[i];
    bytes += (keys[i] as string).length * 3;
    if (typeof value === 'string') bytes += value.length * 7 + 2;
    else if (value !== null && typeof value === 'object' && !(value instanceof Date))
      bytes += (jsonScratch[i] as string).length * 3;
    else bytes += SCALAR_BYTES;
  }
  return bytes;
}

/**
 * Writes the raw of a row that has none of its own: its typed columns as a JSON object, absent values as
 * null, escaped for COPY. The same bytes as `JSON.stringify` of such an object, without building it or its
 * text.
 */
function putColumnsJson(buf: Buffer, pos: number, keys: readonly string[]): number {
  if (keys.length === 0) return putAscii(buf, pos, '{}');
  let at = pos;
  for (let i = 0; i < keys.length; i++) {
    at = putText(buf, at, keys[i] as string);
    const value = valueScratch[i];
    if (value === null || value === undefined) at = putAscii(buf, at, 'null');
    else if (typeof value === 'number')
      at = Number.isFinite(value) ? putNumber(buf, at, value) : putAscii(buf, at, 'null');
    else if (typeof value === 'boolean') at = putAscii(buf, at, value ? 'true' : 'false');
    else if (value instanceof Date) {
      // Valid: normalization makes no invalid Date (and putTyped has already written this one).
      buf[at++] = QUOTE;
      at = putIsoTimestamp(buf, at, value);
      buf[at++] = QUOTE;
    } else
      at = putText(buf, at, typeof value === 'object' ? (jsonScratch[i] as string) : JSON.stringify(value));
  }
  buf[at++] = 0x7d; // }
  return at;
}

/** How many distinct rows (by key, per table) a record produces. */
function distinctRows(resource: Resource, plan: readonly PlannedTable[], item: LoadItem): number {
  let count = 0;
  let tables = 0;
  for (let t = 0; t < plan.length; t++) {
    const { name, key } = plan[t] as PlannedTable;
    const rows = item.rows[name];
    if (rows === undefined) continue;
    tables++;
    if (rows.length < 2) {
      count += rows.length;
      continue;
    }
    const keys = new Set<RowKey>();
    for (const row of rows) keys.add(keyOf(row, key));
    count += keys.size;
  }
  if (Object.keys(item.rows).length !== tables) {
    const undeclared = Object.keys(item.rows).filter((table) => !plan.some((p) => p.name === table));
    throw new Error(`resource ${resource.name} produced rows for undeclared table ${undeclared.join(', ')}`);
  }
  return count;
}

/** A batch of these items (for tools and tests that have whole records at hand). */
export function stageItems(resource: Resource, items: readonly LoadItem[], runId: number): StagedBatch {
  const batch = newBatch(resource, runId);
  for (const item of items) stageItem(resource, batch, item);
  return batch;
}

/** Whether the batch holds no row at all. */
export function isEmptyBatch(batch: StagedBatch): boolean {
  for (const table of batch.tables.values()) if (rowIndexSize(table.rows) > 0) return false;
  return true;
}

/** The COPY text of a table's rows in the batch, as buffers: new records' rows, then the others'. */
export function tableCopyText(batch: StagedBatch, table: string): Buffer[] {
  const staged = batch.tables.get(table);
  return staged ? [...liveChunks(staged.fresh), ...liveChunks(staged.rest)] : [];
}

/** A single numeric key is kept as a number (a map finds numbers faster than fresh strings). */
function keyOf(row: Row, key: readonly string[]): RowKey {
  if (key.length === 1) {
    const value = row[key[0] as string];
    return typeof value === 'number' ? value : String(value);
  }
  return key.map((column) => String(row[column])).join('\u0001');
}

async function ensureStage(
  client: pg.ClientBase,
  table: string,
  spec: TableSpec,
  isMain: boolean,
): Promise<void> {
  const select = stagedColumns(spec, isMain).map(q).join(', ');
  // Temp tables live as long as the connection; ON COMMIT DELETE ROWS empties them after every batch.
  await client.query(
    `create temp table if not exists ${q(stageName(table))} on commit delete rows as select ${select} from ${q(table)} with no data`,
  );
}

/** Streams COPY text into `target`. */
async function copyInto(
  client: pg.ClientBase,
  target: string,
  columns: readonly string[],
  text: readonly Buffer[],
): Promise<void> {
  const stream = client.query(copyFrom(`copy ${q(target)} (${columns.map(q).join(', ')}) from stdin`));
  await pipeline(Readable.from(text), stream);
}

async function upsert(client: pg.ClientBase, table: string, spec: TableSpec, isMain: boolean) {
  const all = stagedColumns(spec, isMain).map(q);
  const keys = spec.key.map(q);
  const assignments = all
    .filter((column) => !keys.includes(column))
    .map((column) => `${column} = excluded.${column}`);
  const result = await client.query<{ inserted: number; updated: number }>(
    `with written as (
       insert into ${q(table)} as t (${all.join(', ')})
       select ${all.join(', ')} from ${q(stageName(table))}
       on conflict (${keys.join(', ')}) do update set ${assignments.join(', ')},
         _synced_at = now(), _deleted_at = null, _deleted_by_run_id = null
       where t._hash is distinct from excluded._hash or t._deleted_at is not null${
         // A row written before rows were counted gets its count, or its record would be staged forever.
         isMain ? ' or t._row_count is distinct from excluded._row_count' : ''
       }
       returning (xmax = 0) as is_insert
     )
     select count(*) filter (where is_insert)::int as inserted, count(*) filter (where not is_insert)::int as updated
     from written`,
  );
  return result.rows[0] ?? { inserted: 0, updated: 0 };
}

async function countChanged(
  client: pg.ClientBase,
  table: string,
  spec: TableSpec,
  column: string,
): Promise<number> {
  const join = spec.key.map((k) => `t.${q(k)} = s.${q(k)}`).join(' and ');
  const result = await client.query<{ n: number }>(
    `select count(*)::int as n from ${q(stageName(table))} s left join ${q(table)} t on ${join}
     where t.${q(spec.key[0] as string)} is null or s.${q(column)} is distinct from t.${q(column)}`,
  );
  return result.rows[0]?.n ?? 0;
}

/** Soft-deletes children of this batch's parents that the parents' payloads no longer list. */
async function retireMissingChildren(
  client: pg.ClientBase,
  table: string,
  spec: TableSpec,
  parentTable: string,
  runId: number,
): Promise<number> {
  const parentColumn = q(spec.parentColumn as string);
  const match = spec.key.map((k) => `s.${q(k)} = c.${q(k)}`).join(' and ');
  const result = await client.query(
    `update ${q(table)} c set _deleted_at = now(), _deleted_by_run_id = $1
     where c._deleted_at is null
       and c.${parentColumn} in (select id from ${q(stageName(parentTable))})
       and not exists (select 1 from ${q(stageName(table))} s where ${match})`,
    [runId],
  );
  return result.rowCount ?? 0;
}

/**
 * Loads one batch; the caller commits it together with the checkpoint that covers it. Rows of records
 * staged as new are copied straight into their tables (an initial load costs what a plain COPY costs); if
 * one of their keys exists after all (a key result moved between objectives, say), that copy is rolled
 * back and the whole batch goes through staging and upsert.
 */
export async function loadBatch(
  client: pg.ClientBase,
  resource: Resource,
  batch: StagedBatch,
  ids: { runId: number; passId: number },
): Promise<LoadCounts> {
  const counts = emptyCounts();
  const fresh = new Map<string, Part>();
  const rest = new Map<string, Part>();
  for (const [name, table] of batch.tables) {
    fresh.set(name, { text: liveChunks(table.fresh), rows: table.newRows });
    rest.set(name, { text: liveChunks(table.rest), rows: rowIndexSize(table.rows) - table.newRows });
  }
  let toUpsert = rest;
  // Copied rows carry this run's id, which is how delete detection knows the pass saw them.
  if (rowsIn(fresh) > 0 && !(await copyNewRows(client, resource, fresh, counts))) {
    toUpsert = new Map(
      [...rest].map(([name, part]) => {
        const copied = fresh.get(name) ?? { text: [], rows: 0 };
        return [name, { text: [...copied.text, ...part.text], rows: copied.rows + part.rows }];
      }),
    );
  }
  if (rowsIn(toUpsert) > 0) await upsertRows(client, resource, toUpsert, ids, counts);
  // Every COPY has completed, so its bytes have been handed to the socket: the chunks can be reused.
  for (const table of batch.tables.values()) {
    release(table.fresh);
    release(table.rest);
  }
  return counts;
}

/** Some of a table's rows in the batch: their COPY text and how many they are. */
interface Part {
  text: Buffer[];
  rows: number;
}

function rowsIn(parts: Map<string, Part>): number {
  let rows = 0;
  for (const part of parts.values()) rows += part.rows;
  return rows;
}

const UNIQUE_VIOLATION = '23505';

/** COPY straight into the tables; false (and nothing written) when a key already exists. */
async function copyNewRows(
  client: pg.ClientBase,
  resource: Resource,
  staged: Map<string, Part>,
  counts: LoadCounts,
): Promise<boolean> {
  const main = mainTable(resource);
  await client.query('savepoint bwsync_copy_new');
  try {
    for (const [table, spec] of Object.entries(resource.tables)) {
      const part = staged.get(table);
      if (part && part.rows > 0)
        await copyInto(client, table, stagedColumns(spec, table === main), part.text);
    }
  } catch (error) {
    if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
    await client.query('rollback to savepoint bwsync_copy_new');
    return false;
  }
  for (const [table, { rows }] of staged) {
    counts.seen += rows;
    counts.inserted += rows;
    if (table === main && resource.changedAtColumn) counts.changed += rows;
  }
  return true;
}

/** Stages rows with COPY, then upserts every table and retires rows their records no longer list. */
async function upsertRows(
  client: pg.ClientBase,
  resource: Resource,
  staged: Map<string, Part>,
  ids: { runId: number; passId: number },
  counts: LoadCounts,
): Promise<void> {
  const main = mainTable(resource);
  for (const [table, spec] of Object.entries(resource.tables)) {
    await ensureStage(client, table, spec, table === main);
    const part = staged.get(table);
    if (part && part.rows > 0)
      await copyInto(client, stageName(table), stagedColumns(spec, table === main), part.text);
  }
  for (const [table, spec] of Object.entries(resource.tables)) {
    const rows = staged.get(table)?.rows ?? 0;
    counts.seen += rows;
    if (table === main && resource.changedAtColumn) {
      counts.changed += await countChanged(client, table, spec, resource.changedAtColumn);
    }
    const written =
      rows === 0 ? { inserted: 0, updated: 0 } : await upsert(client, table, spec, table === main);
    counts.inserted += written.inserted;
    counts.updated += written.updated;
    counts.unchanged += rows - written.inserted - written.updated;
    // Rows a record no longer lists go with it: children, and main rows nested in it (key results).
    const owner = table === main ? '_record_id' : spec.parentColumn;
    if (owner)
      counts.deleted += await retireMissingChildren(
        client,
        table,
        { ...spec, parentColumn: owner },
        main,
        ids.runId,
      );
  }
  // Upserted rows whose content did not change keep their old run id: their records are marked seen.
  await client.query(
    `insert into sync_seen_batches (pass_id, ids) select $1::bigint, array_agg(distinct _record_id) from ${q(stageName(main))} having count(*) > 0`,
    [ids.passId],
  );
}

/**
 * What the warehouse holds of these records, by record id: the number of live rows (across the resource's
 * tables) of a record it holds exactly as received (same source hash, live, counted), or null for one it
 * holds in another version, deleted, or from before rows were counted. A record missing from the map has
 * no row yet. One primary-key probe per record.
 */
export async function lookupRecords(
  client: pg.ClientBase,
  resource: Resource,
  candidates: readonly { id: number; hash: string }[],
): Promise<Map<number, number | null>> {
  const held = new Map<number, number | null>();
  if (candidates.length === 0) return held;
  const main = mainTable(resource);
  const result = await client.query<{ id: string; n: number | null }>({
    // Prepared once per connection and table: a re-sync runs it for every 1000 records.
    name: `bwsync_lookup_${main}`,
    text: `select t.id, case when t._source_hash = c.hash and t._deleted_at is null then t._row_count end as n
     from unnest(string_to_array($1, ',')::bigint[], string_to_array($2, ',')) as c(id, hash)
     join ${q(main)} t on t.id = c.id`,
    // Sent as two comma-separated texts (ids and URL-safe base64 hashes hold no commas): cheaper to build
    // than array parameters, which the driver escapes element by element.
    values: [candidates.map((c) => c.id).join(','), candidates.map((c) => c.hash).join(',')],
  });
  for (const row of result.rows) held.set(Number(row.id), row.n);
  return held;
}
