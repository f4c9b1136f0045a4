/**
 * Held pages are marked seen by position. Frozen.
 *
 * A pass used to copy the record ids of every page it held into `sync_seen_batches` (about 10,000 ids a
 * batch in a re-sync, most of the database's work in one). A held page's records are exactly those its
 * print lists (`sync_pages.ids` at that position, which no other batch of the pass rewrites), so a batch
 * now records the positions it held, and delete detection reads their ids from the prints.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_seen_batches add column positions integer[] not null default '{}'`.execute(db);
  await sql`comment on column public.sync_seen_batches.positions is 'Positions (in sync_pages) of pages one batch held: their records, as the prints list them, were seen too.'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`update sync_seen_batches b set ids = b.ids || coalesce((
      select array_agg(u.id) from sync_runs r
      join sync_pages p on p.resource = r.resource and p.position = any(b.positions)
      cross join unnest(p.ids) as u(id)
      where r.id = b.pass_id), '{}')
    where cardinality(b.positions) > 0`.execute(db);
  await sql`alter table sync_seen_batches drop column positions`.execute(db);
}
