/**
 * Record identity on every main table: `_record_id` (the API record a row came from; a key result belongs
 * to its objective's record) and `_source_hash` (the record as received). A re-sync skips validating and
 * staging records whose hash is unchanged, and delete detection works per record. Frozen.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update users set _record_id = id`.execute(db);
  await sql`create index users_record_idx on users (_record_id)`.execute(db);
  await sql`comment on column public.users._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.users._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table departments add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update departments set _record_id = id`.execute(db);
  await sql`create index departments_record_idx on departments (_record_id)`.execute(db);
  await sql`comment on column public.departments._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.departments._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table goals add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update goals set _record_id = case when is_key_result and parent_id is not null then parent_id else id end`.execute(
    db,
  );
  await sql`create index goals_record_idx on goals (_record_id)`.execute(db);
  await sql`comment on column public.goals._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.goals._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table goal_comments add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update goal_comments set _record_id = id`.execute(db);
  await sql`create index goal_comments_record_idx on goal_comments (_record_id)`.execute(db);
  await sql`comment on column public.goal_comments._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table goal_checkins add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update goal_checkins set _record_id = id`.execute(db);
  await sql`create index goal_checkins_record_idx on goal_checkins (_record_id)`.execute(db);
  await sql`comment on column public.goal_checkins._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table goal_assessments add column _record_id bigint, add column _source_hash text`.execute(
    db,
  );
  await sql`update goal_assessments set _record_id = id`.execute(db);
  await sql`create index goal_assessments_record_idx on goal_assessments (_record_id)`.execute(db);
  await sql`comment on column public.goal_assessments._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table conversation_templates add column _record_id bigint, add column _source_hash text`.execute(
    db,
  );
  await sql`update conversation_templates set _record_id = id`.execute(db);
  await sql`create index conversation_templates_record_idx on conversation_templates (_record_id)`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table conversations add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update conversations set _record_id = id`.execute(db);
  await sql`create index conversations_record_idx on conversations (_record_id)`.execute(db);
  await sql`comment on column public.conversations._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table feedback_templates add column _record_id bigint, add column _source_hash text`.execute(
    db,
  );
  await sql`update feedback_templates set _record_id = id`.execute(db);
  await sql`create index feedback_templates_record_idx on feedback_templates (_record_id)`.execute(db);
  await sql`comment on column public.feedback_templates._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table feedback add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update feedback set _record_id = id`.execute(db);
  await sql`create index feedback_record_idx on feedback (_record_id)`.execute(db);
  await sql`comment on column public.feedback._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table recognitions add column _record_id bigint, add column _source_hash text`.execute(db);
  await sql`update recognitions set _record_id = id`.execute(db);
  await sql`create index recognitions_record_idx on recognitions (_record_id)`.execute(db);
  await sql`comment on column public.recognitions._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table calibration_cycles add column _record_id bigint, add column _source_hash text`.execute(
    db,
  );
  await sql`update calibration_cycles set _record_id = id`.execute(db);
  await sql`create index calibration_cycles_record_idx on calibration_cycles (_record_id)`.execute(db);
  await sql`comment on column public.calibration_cycles._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
  await sql`alter table calibration_talent_records add column _record_id bigint, add column _source_hash text`.execute(
    db,
  );
  await sql`update calibration_talent_records set _record_id = id`.execute(db);
  await sql`create index calibration_talent_records_record_idx on calibration_talent_records (_record_id)`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._record_id is 'The Betterworks record this row came from (a key result: its objective); delete detection works on records.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._source_hash is 'Hash of the record as received; a record whose hash is unchanged is not validated or rewritten again.'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table departments drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table goals drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table goal_comments drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table goal_checkins drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table goal_assessments drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table conversation_templates drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table conversations drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table feedback_templates drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table feedback drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table recognitions drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table calibration_cycles drop column _record_id, drop column _source_hash`.execute(db);
  await sql`alter table calibration_talent_records drop column _record_id, drop column _source_hash`.execute(
    db,
  );
}
