/**
 * Pages a re-sync need not read again. Frozen.
 *
 * `sync_pages` holds, for each page position of a resource, a fingerprint of the page's text as last
 * read, the next-page URL it gave, its record ids, and a check over the source hashes those records had.
 * A page served again with the same fingerprint is not parsed: once the warehouse is confirmed to still
 * hold each of its records with that source hash (the check, recomputed from the rows), its records are
 * only marked seen. `sync_runs.pages_unchanged` counts the pages a run recognized this way.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  create table sync_pages (
    resource text not null,
    position integer not null,
    hash text not null,
    next_url text,
    ids bigint[] not null,
    "check" text not null,
    records integer not null,
    rows integer not null,
    primary key (resource, position)
  )`.execute(db);
  const comments: Record<string, string> = {
    resource: 'The resource the page belongs to.',
    position: "The page's 0-based position in a pass.",
    hash: "Fingerprint of the page's text as last read (tagged like source hashes).",
    next_url: 'The next-page URL the page gave, or null on the last page.',
    ids: 'The ids of the records on the page, in page order.',
    check: "MD5 of the records' source hashes in page order, comma-separated.",
    records: 'Records on the page.',
    rows: "Live rows those records hold across the resource's tables.",
  };
  await sql`comment on table public.sync_pages is 'Pages as last read, so that a page served unchanged is not parsed again; see migration 20261205T0100.'`.execute(
    db,
  );
  for (const [column, comment] of Object.entries(comments)) {
    await sql`comment on column ${sql.raw(`public.sync_pages."${column}"`)} is ${sql.lit(comment)}`.execute(
      db,
    );
  }
  await sql`alter table sync_runs add column pages_unchanged integer not null default 0`.execute(db);
  await sql`comment on column public.sync_runs.pages_unchanged is 'Pages served exactly as last read, whose records were confirmed held and not parsed again.'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_runs drop column pages_unchanged`.execute(db);
  await sql`drop table sync_pages`.execute(db);
}
