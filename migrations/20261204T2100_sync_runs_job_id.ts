/**
 * The BullMQ job that ran each sync, so an operator can go from a job in the dashboard to its run (and
 * tests can prove a scheduled job ran exactly once). Frozen.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_runs add column job_id text`.execute(db);
  await sql`comment on column public.sync_runs.job_id is 'The BullMQ job that ran this sync (worker runs only).'`.execute(
    db,
  );
  await sql`create index sync_runs_job_id_idx on sync_runs (job_id) where job_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_runs drop column job_id`.execute(db);
}
