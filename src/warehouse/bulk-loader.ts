/**
 * Writes one batch of normalized records into a resource's tables: COPY into a temp staging table, then
 * one `INSERT … ON CONFLICT … DO UPDATE … WHERE _hash IS DISTINCT FROM …` per table, so unchanged rows are
 * not rewritten (and `_synced_at` does not move). Children of a record missing from its latest payload are
 * soft-deleted; every main-table id is recorded as seen for the pass, for delete detection at its end.
 *
 * Must run inside the caller's transaction, on the connection that owns the staging tables.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { NormalizedRecord } from '../betterworks/normalize.ts';
import {
  mainTable,
  type Resource,
  type Row,
  type TableSpec,
} from '../betterworks/resources/define-resource.ts';

/** A normalized record, as the loader takes it. */
export interface LoadItem {
  rows: Record<string, Row[]>;
  raw: Record<string, unknown>;
  cleaned: boolean;
  /** The API record's id: `_record_id` of every main-table row it produces. */
  recordId: number;
  /** Hash of the record as received, kept on the record's own row (see `sourceHash`). */
  sourceHash: string;
}

/** The load item for a record that normalized, with the hash of the record as received. */
export function loadItemFrom(result: NormalizedRecord, hash: string): LoadItem {
  return {
    rows: result.rows,
    raw: result.raw,
    cleaned: result.cleaned,
    recordId: result.recordId,
    sourceHash: hash,
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

const q = pg.escapeIdentifier;

function stageName(table: string): string {
  return `bwsync_stage_${table}`;
}

/** Encodes one value for COPY's text format. */
export function copyValue(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'boolean') text = value ? 't' : 'f';
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  return text.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

function keyOf(row: Row, spec: TableSpec): string {
  return spec.key.map((column) => String(row[column])).join('\u0001');
}

/** A row as staged: typed columns in declared order, then raw (as JSON text), _hash and _cleaned. */
export interface StagedRow {
  values: unknown[];
}

const RECORD_STAGED = ['_record_id', '_source_hash'] as const;

/** The staged columns of a table, in the order of `StagedRow.values`; main tables also carry record identity. */
export function stagedColumns(spec: TableSpec, isMain: boolean): string[] {
  return isMain
    ? [...spec.columns, ...BOOKKEEPING_STAGED, ...RECORD_STAGED]
    : [...spec.columns, ...BOOKKEEPING_STAGED];
}

/**
 * Hash of a record as received, salted with the resource's table layout and a version to bump whenever
 * normalization changes: an unchanged hash means the record's rows are unchanged too.
 */
const NORMALIZATION_VERSION = 1;
export function sourceHash(resource: Resource, record: unknown): string {
  return createHash('md5')
    .update(`${NORMALIZATION_VERSION}:${resource.name}:${JSON.stringify(resource.tables)}:`)
    .update(JSON.stringify(record))
    .digest('hex');
}

/** Rows per table for the batch, de-duplicated by key (the last occurrence wins), with hash and raw. */
export function stageRows(resource: Resource, items: readonly LoadItem[]): Map<string, StagedRow[]> {
  const main = mainTable(resource);
  const byTable = new Map<string, Map<string, StagedRow>>();
  for (const table of Object.keys(resource.tables)) byTable.set(table, new Map());
  for (const item of items) {
    for (const [table, rows] of Object.entries(item.rows)) {
      const spec = resource.tables[table];
      const staged = byTable.get(table);
      if (!spec || !staged)
        throw new Error(`resource ${resource.name} produced rows for undeclared table ${table}`);
      rows.forEach((row, position) => {
        const raw = row.raw ?? (table === main && position === 0 ? item.raw : undefined);
        const typed = spec.columns.map((column) => row[column] ?? null);
        const rawValue = raw ?? Object.fromEntries(spec.columns.map((column, i) => [column, typed[i]]));
        // Serialized once: the same text feeds the hash and the COPY stream.
        const rawText = JSON.stringify(rawValue);
        const hash = createHash('md5').update(JSON.stringify(typed)).update(rawText).digest('hex');
        // Re-inserting moves the key to the end, so the last occurrence's content and position win.
        const key = keyOf(row, spec);
        staged.delete(key);
        const values = [...typed, rawText, hash, item.cleaned];
        // The record's own row keeps its source hash; rows nested in it (key results) only point to it.
        if (table === main) values.push(item.recordId, row.id === item.recordId ? item.sourceHash : null);
        staged.set(key, { values });
      });
    }
  }
  return new Map([...byTable].map(([table, rows]) => [table, [...rows.values()]]));
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

async function copyInto(
  client: pg.ClientBase,
  table: string,
  spec: TableSpec,
  rows: StagedRow[],
  isMain: boolean,
): Promise<void> {
  const columns = stagedColumns(spec, isMain).map(q).join(', ');
  const stream = client.query(copyFrom(`copy ${q(stageName(table))} (${columns}) from stdin`));
  async function* lines() {
    let chunk = '';
    for (const row of rows) {
      chunk += `${row.values.map(copyValue).join('\t')}\n`;
      if (chunk.length > 256 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk) yield chunk;
  }
  await pipeline(Readable.from(lines()), stream);
}

async function upsert(client: pg.ClientBase, table: string, spec: TableSpec, runId: number, isMain: boolean) {
  const all = stagedColumns(spec, isMain).map(q);
  const keys = spec.key.map(q).join(', ');
  const assignments = [...all, q('_run_id')]
    .filter((column) => !spec.key.map(q).includes(column))
    .map((column) => `${column} = excluded.${column}`);
  const result = await client.query<{ inserted: number; updated: number }>(
    `with written as (
       insert into ${q(table)} as t (${all.join(', ')}, _run_id)
       select ${all.join(', ')}, $1::bigint from ${q(stageName(table))}
       on conflict (${keys}) do update set ${assignments.join(', ')},
         _synced_at = now(), _deleted_at = null, _deleted_by_run_id = null
       where t._hash is distinct from excluded._hash or t._deleted_at is not null
       returning (xmax = 0) as is_insert
     )
     select count(*) filter (where is_insert)::int as inserted, count(*) filter (where not is_insert)::int as updated
     from written`,
    [runId],
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

/** Loads one batch; the caller commits it together with the checkpoint that covers it. */
export async function loadBatch(
  client: pg.ClientBase,
  resource: Resource,
  items: readonly LoadItem[],
  ids: { runId: number; passId: number },
): Promise<LoadCounts> {
  const counts = emptyCounts();
  if (items.length === 0) return counts;
  const main = mainTable(resource);
  const staged = stageRows(resource, items);
  for (const [table, spec] of Object.entries(resource.tables)) {
    await ensureStage(client, table, spec, table === main);
    await copyInto(client, table, spec, staged.get(table) ?? [], table === main);
  }
  for (const [table, spec] of Object.entries(resource.tables)) {
    const rows = staged.get(table) ?? [];
    counts.seen += rows.length;
    if (table === main && resource.changedAtColumn) {
      counts.changed += await countChanged(client, table, spec, resource.changedAtColumn);
    }
    const written =
      rows.length === 0
        ? { inserted: 0, updated: 0 }
        : await upsert(client, table, spec, ids.runId, table === main);
    counts.inserted += written.inserted;
    counts.updated += written.updated;
    counts.unchanged += rows.length - written.inserted - written.updated;
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
  await client.query(
    `insert into sync_seen (pass_id, id) select distinct $1::bigint, _record_id from ${q(stageName(main))} on conflict do nothing`,
    [ids.passId],
  );
  return counts;
}

/** Records the pass saw without restaging them (their source hash was unchanged). */
export async function markSeen(
  client: pg.ClientBase,
  passId: number,
  recordIds: readonly number[],
): Promise<void> {
  if (recordIds.length === 0) return;
  await client.query(
    'insert into sync_seen (pass_id, id) select $1::bigint, unnest($2::bigint[]) on conflict do nothing',
    [passId, recordIds],
  );
}

/**
 * Which of these records the warehouse already holds exactly as received (same source hash, live), and how
 * many live rows each has across the resource's tables.
 */
export async function findUnchangedRecords(
  client: pg.ClientBase,
  resource: Resource,
  candidates: readonly { id: number; hash: string }[],
): Promise<Map<number, number>> {
  const unchanged = new Map<number, number>();
  if (candidates.length === 0) return unchanged;
  const main = mainTable(resource);
  // One round trip per page: the matching records, and how many live rows each holds in every table.
  const rowCounts = Object.entries(resource.tables).flatMap(([table, spec]) => {
    const owner = table === main ? '_record_id' : spec.parentColumn;
    return owner
      ? [`(select count(*) from ${q(table)} x where x.${q(owner)} = t.id and x._deleted_at is null)`]
      : [];
  });
  const result = await client.query<{ id: number; n: number }>(
    `select t.id, (${rowCounts.join(' + ')})::int as n
     from unnest($1::bigint[], $2::text[]) as c(id, hash)
     join ${q(main)} t on t.id = c.id and t._source_hash = c.hash and t._deleted_at is null`,
    [candidates.map((c) => c.id), candidates.map((c) => c.hash)],
  );
  for (const row of result.rows) unchanged.set(Number(row.id), row.n);
  return unchanged;
}
