/**
 * Bookkeeping that makes a re-sync cheap for Postgres. Frozen.
 *
 * - `_row_count` on every main table: on a record's own row, how many live rows the record holds across
 *   the resource's tables, so finding an unchanged record is one primary-key probe instead of a count per
 *   table. Null on rows written before it existed (those records are staged once more, then counted).
 * - `sync_seen` becomes `sync_seen_batches`: one row per batch holding the ids of the records it saw,
 *   instead of one row per record. Seen records of a pass in progress are carried over.
 */
import { type Kysely, sql } from 'kysely';

const MAIN_TABLES = [
  'users',
  'departments',
  'goals',
  'goal_comments',
  'goal_checkins',
  'goal_assessments',
  'conversation_templates',
  'conversations',
  'feedback_templates',
  'feedback',
  'recognitions',
  'calibration_cycles',
  'calibration_talent_records',
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of MAIN_TABLES) {
    await sql`alter table ${sql.table(table)} add column _row_count integer`.execute(db);
    await sql`comment on column ${sql.raw(`public.${table}._row_count`)} is ${sql.lit(
      "On a record's own row: how many live rows the record holds across the resource's tables (itself included).",
    )}`.execute(db);
  }
  await sql`
  create table sync_seen_batches (
    id bigint generated always as identity primary key,
    pass_id bigint not null,
    ids bigint[] not null
  )`.execute(db);
  await sql`create index sync_seen_batches_pass_idx on sync_seen_batches (pass_id)`.execute(db);
  await sql`comment on table public.sync_seen_batches is 'Records a pass in progress has seen without writing them (unchanged or upserted), one row per batch; delete detection reads it at the end of the pass.'`.execute(
    db,
  );
  await sql`comment on column public.sync_seen_batches.id is 'Row id.'`.execute(db);
  await sql`comment on column public.sync_seen_batches.pass_id is 'The pass (the id of its first run).'`.execute(
    db,
  );
  await sql`comment on column public.sync_seen_batches.ids is 'Betterworks record ids seen by one batch.'`.execute(
    db,
  );
  await sql`insert into sync_seen_batches (pass_id, ids) select pass_id, array_agg(id) from sync_seen group by pass_id`.execute(
    db,
  );
  await sql`drop table sync_seen`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
  create table sync_seen (
    pass_id bigint not null,
    id bigint not null,
    primary key (pass_id, id)
  )`.execute(db);
  await sql`insert into sync_seen (pass_id, id) select distinct pass_id, unnest(ids) from sync_seen_batches`.execute(
    db,
  );
  await sql`drop table sync_seen_batches`.execute(db);
  for (const table of MAIN_TABLES)
    await sql`alter table ${sql.table(table)} drop column _row_count`.execute(db);
}
