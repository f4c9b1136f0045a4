/**
 * Pages a re-sync need not parse again (`sync_pages`, migration 20261205T0100).
 *
 * Every page a pass reads is kept as a print: a fingerprint of its text, the next URL it gave, its record
 * ids, and a check over its records' source hashes. When the next pass is served the same text at the same
 * position, the page is held: it is not parsed, and once `confirmHeldPages` has recomputed the check from
 * the warehouse's rows (each record present, live, counted, with the same source hash: exactly what makes
 * a record unchanged in `lookupRecords`), its records are only marked seen. A held page whose check fails
 * is read like any other, so a print never decides what the warehouse holds; the rows do.
 *
 * The check is skipped while the resource's write generation (migration 20261205T0200) is still the one
 * a pass settled: a pass that wrote nothing and found every record it saw unchanged. No statement has
 * changed the tables since, so they hold what that pass confirmed.
 */
import { hash } from 'node:crypto';
import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';
import { mainTable, type Resource } from '../betterworks/resources/define-resource.ts';
import type { Db } from './db.ts';

/** What a pass holds of a page it read before. */
export interface HeldPage {
  hash: string;
  nextUrl: string | null;
  records: number;
  rows: number;
}

/** A page as this pass read it, kept for the next. */
export interface PagePrint {
  position: number;
  hash: string;
  nextUrl: string | null;
  /** Record ids in page order. */
  ids: number[];
  /** The check over their source hashes, in the same order (see `pageCheck`). */
  check: string;
  /** Live rows the records hold across the resource's tables. */
  rows: number;
}

/** The prints of a resource from `fromPosition` on, by position. */
export async function loadHeldPages(
  db: Db,
  resource: string,
  fromPosition: number,
): Promise<Map<number, HeldPage>> {
  const result = await sql<{
    position: number;
    hash: string;
    next_url: string | null;
    records: number;
    rows: number;
  }>`select position, hash, next_url, records, rows from sync_pages
     where resource = ${resource} and position >= ${fromPosition}`.execute(db);
  return new Map(
    result.rows.map((row) => [
      row.position,
      { hash: row.hash, nextUrl: row.next_url, records: row.records, rows: row.rows },
    ]),
  );
}

/** The check over a page's source hashes, as `confirmHeldPages` recomputes it in Postgres. */
export function pageCheck(hashes: readonly string[]): string {
  return hash('md5', hashes.join(','), 'hex');
}

/**
 * Of the prints at these positions, those whose records the warehouse still holds exactly as printed: all
 * of them while the write generation is `settled` (null: none settled), else one primary-key probe per
 * record, in Postgres; nothing per record crosses the connection.
 */
export async function confirmHeldPages(
  client: pg.ClientBase,
  resource: Resource,
  positions: readonly number[],
  settled: string | null,
): Promise<Set<number>> {
  if (positions.length === 0) return new Set();
  const main = mainTable(resource);
  const result = await client.query<{ position: number }>({
    // Prepared once per connection and table, like the record lookup. The generation is read when the
    // statement runs, so a write by anyone (this pass included) turns the probes back on at once.
    name: `bwsync_confirm_pages_${main}`,
    text: `select p.position from sync_pages p
     where p.resource = $1 and p.position = any($2::int[])
       and ((select generation from sync_table_writes where resource = $1) = $3::bigint
         or p."check" = (
           select md5(string_agg(coalesce(t._source_hash, '-'), ',' order by c.ord))
           from unnest(p.ids) with ordinality as c(id, ord)
           left join ${pg.escapeIdentifier(main)} t on t.id = c.id and t._deleted_at is null and t._row_count is not null))`,
    values: [resource.name, positions, settled],
  });
  return new Set(result.rows.map((row) => row.position));
}

/**
 * Marks the records of these held pages seen by the pass: by position, since their prints list them and
 * no other batch of the pass rewrites those prints (delete detection reads the ids from there).
 */
export function markHeldPagesSeen(passId: number, positions: readonly number[]): RawBuilder<unknown> {
  return sql`insert into sync_seen_batches (pass_id, ids, positions) values (${passId}, '{}', ${positions}::int[])`;
}

/** Keeps these prints, replacing what was kept at their positions. */
export function savePagePrints(resource: string, prints: readonly PagePrint[]): RawBuilder<unknown> {
  return sql`insert into sync_pages (resource, position, hash, next_url, ids, "check", records, rows)
    select ${resource}, x.position, x.hash, x.next_url, x.ids::bigint[], x."check", x.records, x.rows
    from unnest(
      ${prints.map((p) => p.position)}::int[],
      ${prints.map((p) => p.hash)}::text[],
      ${prints.map((p) => p.nextUrl)}::text[],
      ${prints.map((p) => `{${p.ids.join(',')}}`)}::text[],
      ${prints.map((p) => p.check)}::text[],
      ${prints.map((p) => p.ids.length)}::int[],
      ${prints.map((p) => p.rows)}::int[]
    ) as x(position, hash, next_url, ids, "check", records, rows)
    on conflict (resource, position) do update set
      hash = excluded.hash, next_url = excluded.next_url, ids = excluded.ids, "check" = excluded."check",
      records = excluded.records, rows = excluded.rows`;
}

/** Forgets the prints at these positions (pages read again that cannot be held: see `PagePrint`). */
export function forgetPages(resource: string, positions: readonly number[]): RawBuilder<unknown> {
  return sql`delete from sync_pages where resource = ${resource} and position = any(${positions}::int[])`;
}

/**
 * At the end of a pass: forgets prints beyond its last page (the resource has fewer pages now), where
 * `proceed` holds.
 */
export function forgetPagesAfterPass(
  resource: string,
  proceed: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  return sql`delete from sync_pages where resource = ${resource} and position >= coalesce(
    (select (checkpoint->>'pages')::int from sync_state where resource = ${resource}), 0) and ${proceed}`;
}

/**
 * The statement reading the write generation with its row locked until the transaction ends: another
 * session's write to the resource's tables waits, so it cannot change the tables between this read and
 * the commit.
 */
export function lockedWriteGeneration(resource: string): RawBuilder<{ generation: string }> {
  return sql`insert into sync_table_writes (resource, generation) values (${resource}, 0)
    on conflict (resource) do update set generation = sync_table_writes.generation
    returning generation`;
}

/** Runs `lockedWriteGeneration`: the write generation, locked until the transaction ends. */
export async function lockWriteGeneration(db: Db, resource: string): Promise<string> {
  const result = await lockedWriteGeneration(resource).execute(db);
  return result.rows[0]?.generation ?? '0';
}
