/**
 * Knowing that nobody has written to a resource's tables since a re-sync confirmed them. Frozen.
 *
 * - `sync_table_writes` counts, per resource, the statements that changed its tables (insert, update,
 *   delete, truncate, including COPY and cascades): a statement-level trigger on every table of every
 *   resource bumps the resource's generation, whoever runs the statement.
 * - `sync_state.settled_generation` is the generation a pass left behind when it wrote nothing and found
 *   every record it saw unchanged. While the generation is still that number, the tables hold exactly what
 *   that pass confirmed: pages served as printed need no check against the rows, and a pass that holds
 *   every page has nothing to delete.
 */
import { type Kysely, sql } from 'kysely';

const TABLES: Record<string, string[]> = {
  users: ['users'],
  departments: ['departments'],
  goals: ['goals'],
  goal_comments: ['goal_comments'],
  goal_checkins: ['goal_checkins'],
  goal_assessments: ['goal_assessments'],
  conversation_templates: ['conversation_templates'],
  conversations: ['conversations', 'conversation_responses'],
  feedback_templates: ['feedback_templates'],
  feedback: ['feedback', 'feedback_responses'],
  recognitions: ['recognitions', 'recognition_givers', 'recognition_receivers', 'recognition_hashtags'],
  calibration_cycles: ['calibration_cycles'],
  calibration_talent_records: ['calibration_talent_records'],
};

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  create table sync_table_writes (
    resource text primary key,
    generation bigint not null
  )`.execute(db);
  await sql`comment on table public.sync_table_writes is 'Per resource, a count of the statements that changed its tables (bumped by the bwsync_count_writes triggers).'`.execute(
    db,
  );
  await sql`comment on column public.sync_table_writes.resource is 'The resource whose tables were written.'`.execute(
    db,
  );
  await sql`comment on column public.sync_table_writes.generation is 'Statements that changed any of its tables so far.'`.execute(
    db,
  );
  // Security definer: whoever writes to a warehouse table (an engineer's role, a repair script) needs no
  // privilege on sync_table_writes. The search path is pinned to this schema, temporary tables last.
  const schema = (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]
    ?.schema;
  await sql`
  create function bwsync_count_writes() returns trigger language plpgsql
  security definer set search_path = ${sql.id(schema ?? 'public')}, pg_temp as $$
  begin
    insert into sync_table_writes (resource, generation) values (tg_argv[0], 1)
    on conflict (resource) do update set generation = sync_table_writes.generation + 1;
    return null;
  end
  $$`.execute(db);
  for (const [resource, tables] of Object.entries(TABLES)) {
    await sql`insert into sync_table_writes (resource, generation) values (${resource}, 0)`.execute(db);
    for (const table of tables) {
      await sql`create trigger bwsync_count_writes after insert or update or delete or truncate
        on ${sql.table(table)} for each statement execute function bwsync_count_writes(${sql.lit(resource)})`.execute(
        db,
      );
    }
  }
  await sql`alter table sync_state add column settled_generation bigint`.execute(db);
  await sql`comment on column public.sync_state.settled_generation is 'The write generation the last complete pass left when it wrote nothing and every record it saw was unchanged; null otherwise. While it is current, pages served as printed need no check against the rows.'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sync_state drop column settled_generation`.execute(db);
  for (const tables of Object.values(TABLES)) {
    for (const table of tables)
      await sql`drop trigger bwsync_count_writes on ${sql.table(table)}`.execute(db);
  }
  await sql`drop function bwsync_count_writes()`.execute(db);
  await sql`drop table sync_table_writes`.execute(db);
}
