/**
 * One table per resource and per nested child, typed columns for every known field, and the bookkeeping
 * columns every data table shares: raw (the record as received), _hash (of the typed values and raw),
 * _cleaned (NUL characters were removed), _first_seen_at, _synced_at (moves only when the content
 * changes), _deleted_at (soft delete), _run_id (the run that last changed the row) and _deleted_by_run_id.
 * Frozen: later changes go in new migrations.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
  create table sync_runs (
    id bigint generated always as identity primary key,
    resource text not null,
    trigger text not null,
    mode text not null,
    status text not null default 'running' check (status in ('running', 'ok', 'partial', 'failed', 'forbidden')),
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    resumed_from_run_id bigint,
    pages integer not null default 0,
    rows_seen bigint not null default 0,
    rows_inserted bigint not null default 0,
    rows_updated bigint not null default 0,
    rows_unchanged bigint not null default 0,
    rows_deleted bigint not null default 0,
    rows_rejected bigint not null default 0,
    records_changed bigint,
    delete_refused boolean not null default false,
    http_requests integer not null default 0,
    http_retries integer not null default 0,
    http_429s integer not null default 0,
    error_code text,
    error_message text
  )`.execute(db);
  await sql`create index sync_runs_resource_started_idx on sync_runs (resource, started_at desc)`.execute(db);
  await sql`
  create table sync_state (
    resource text primary key,
    pass_id bigint,
    pass_started_at timestamptz,
    checkpoint jsonb,
    last_complete_run_id bigint,
    last_complete_at timestamptz,
    updated_at timestamptz not null default now()
  )`.execute(db);
  await sql`
  create table sync_seen (
    pass_id bigint not null,
    id bigint not null,
    primary key (pass_id, id)
  )`.execute(db);
  await sql`
  create table sync_rejects (
    id bigint generated always as identity primary key,
    resource text not null,
    run_id bigint not null,
    record_id bigint,
    reason text not null,
    issues jsonb not null,
    raw jsonb,
    rejected_at timestamptz not null default now()
  )`.execute(db);
  await sql`create index sync_rejects_resource_run_idx on sync_rejects (resource, run_id)`.execute(db);
  await sql`
  create table users (
    id bigint not null,
    name text not null,
    first_name text,
    last_name text,
    email text,
    employee_id text,
    title text,
    department_id bigint,
    manager_id bigint,
    is_active boolean,
    deactivated_at timestamptz,
    custom_fields jsonb,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index users_department_id_idx on users (department_id)`.execute(db);
  await sql`create index users_manager_id_idx on users (manager_id)`.execute(db);
  await sql`create index users_email_idx on users (email)`.execute(db);
  await sql`create index users_live_idx on users (_deleted_at) where _deleted_at is null`.execute(db);
  await sql`
  create table departments (
    id bigint not null,
    name text not null,
    parent_id bigint,
    group_type text,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index departments_parent_id_idx on departments (parent_id)`.execute(db);
  await sql`create index departments_live_idx on departments (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table goals (
    id bigint not null,
    name text not null,
    description text,
    is_key_result boolean not null,
    parent_id bigint,
    owner_id bigint,
    owner_name text,
    start_date date,
    end_date date,
    progress numeric(5,4),
    is_private boolean not null,
    categories jsonb,
    weight numeric,
    updated_at timestamptz,
    last_checked_in_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index goals_owner_id_idx on goals (owner_id)`.execute(db);
  await sql`create index goals_parent_id_idx on goals (parent_id)`.execute(db);
  await sql`create index goals_start_date_end_date_idx on goals (start_date, end_date)`.execute(db);
  await sql`create index goals_live_idx on goals (_deleted_at) where _deleted_at is null`.execute(db);
  await sql`
  create table goal_comments (
    id bigint not null,
    goal_id bigint,
    author_id bigint,
    body text not null,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index goal_comments_goal_id_idx on goal_comments (goal_id)`.execute(db);
  await sql`create index goal_comments_author_id_idx on goal_comments (author_id)`.execute(db);
  await sql`create index goal_comments_live_idx on goal_comments (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table goal_checkins (
    id bigint not null,
    goal_id bigint,
    user_id bigint,
    value numeric,
    progress numeric(5,4),
    status text,
    note text,
    checked_in_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index goal_checkins_goal_id_idx on goal_checkins (goal_id)`.execute(db);
  await sql`create index goal_checkins_user_id_idx on goal_checkins (user_id)`.execute(db);
  await sql`create index goal_checkins_checked_in_at_idx on goal_checkins (checked_in_at)`.execute(db);
  await sql`create index goal_checkins_live_idx on goal_checkins (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table goal_assessments (
    id bigint not null,
    goal_id bigint,
    assessor_id bigint,
    score numeric,
    comment text,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index goal_assessments_goal_id_idx on goal_assessments (goal_id)`.execute(db);
  await sql`create index goal_assessments_live_idx on goal_assessments (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table conversation_templates (
    id bigint not null,
    name text not null,
    description text,
    is_active boolean,
    questions jsonb,
    question_count integer,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index conversation_templates_live_idx on conversation_templates (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table conversations (
    id bigint not null,
    template_id bigint,
    subject_id bigint,
    manager_id bigint,
    status text,
    scheduled_at timestamptz,
    completed_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index conversations_template_id_idx on conversations (template_id)`.execute(db);
  await sql`create index conversations_subject_id_idx on conversations (subject_id)`.execute(db);
  await sql`create index conversations_manager_id_idx on conversations (manager_id)`.execute(db);
  await sql`create index conversations_scheduled_at_idx on conversations (scheduled_at)`.execute(db);
  await sql`create index conversations_live_idx on conversations (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table conversation_responses (
    id bigint not null,
    conversation_id bigint not null,
    question_id bigint,
    author_id bigint,
    answer text,
    rating numeric,
    submitted_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index conversation_responses_conversation_id_idx on conversation_responses (conversation_id)`.execute(
    db,
  );
  await sql`create index conversation_responses_live_idx on conversation_responses (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table feedback_templates (
    id bigint not null,
    name text not null,
    description text,
    is_active boolean,
    questions jsonb,
    question_count integer,
    created_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index feedback_templates_live_idx on feedback_templates (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table feedback (
    id bigint not null,
    template_id bigint,
    requester_id bigint,
    giver_id bigint,
    receiver_id bigint,
    status text,
    requested_at timestamptz,
    submitted_at timestamptz,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index feedback_template_id_idx on feedback (template_id)`.execute(db);
  await sql`create index feedback_giver_id_idx on feedback (giver_id)`.execute(db);
  await sql`create index feedback_receiver_id_idx on feedback (receiver_id)`.execute(db);
  await sql`create index feedback_requested_at_idx on feedback (requested_at)`.execute(db);
  await sql`create index feedback_live_idx on feedback (_deleted_at) where _deleted_at is null`.execute(db);
  await sql`
  create table feedback_responses (
    id bigint not null,
    feedback_id bigint not null,
    question_id bigint,
    answer text,
    rating numeric,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index feedback_responses_feedback_id_idx on feedback_responses (feedback_id)`.execute(db);
  await sql`create index feedback_responses_live_idx on feedback_responses (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table recognitions (
    id bigint not null,
    message text,
    created_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index recognitions_created_at_idx on recognitions (created_at)`.execute(db);
  await sql`create index recognitions_live_idx on recognitions (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table recognition_givers (
    recognition_id bigint not null,
    user_id bigint not null,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (recognition_id, user_id)
  )`.execute(db);
  await sql`create index recognition_givers_user_id_idx on recognition_givers (user_id)`.execute(db);
  await sql`create index recognition_givers_live_idx on recognition_givers (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table recognition_receivers (
    recognition_id bigint not null,
    user_id bigint not null,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (recognition_id, user_id)
  )`.execute(db);
  await sql`create index recognition_receivers_user_id_idx on recognition_receivers (user_id)`.execute(db);
  await sql`create index recognition_receivers_live_idx on recognition_receivers (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table recognition_hashtags (
    recognition_id bigint not null,
    hashtag text not null,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (recognition_id, hashtag)
  )`.execute(db);
  await sql`create index recognition_hashtags_hashtag_idx on recognition_hashtags (hashtag)`.execute(db);
  await sql`create index recognition_hashtags_live_idx on recognition_hashtags (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table calibration_cycles (
    id bigint not null,
    name text not null,
    status text,
    start_date date,
    end_date date,
    created_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index calibration_cycles_live_idx on calibration_cycles (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
  await sql`
  create table calibration_talent_records (
    id bigint not null,
    cycle_id bigint,
    user_id bigint,
    performance_rating numeric,
    potential_rating numeric,
    box text,
    calibrated_by_id bigint,
    notes text,
    updated_at timestamptz,
    raw jsonb not null,
    _hash text not null,
    _cleaned boolean not null default false,
    _first_seen_at timestamptz not null default now(),
    _synced_at timestamptz not null default now(),
    _deleted_at timestamptz,
    _run_id bigint,
    _deleted_by_run_id bigint,
    primary key (id)
  )`.execute(db);
  await sql`create index calibration_talent_records_cycle_id_idx on calibration_talent_records (cycle_id)`.execute(
    db,
  );
  await sql`create index calibration_talent_records_user_id_idx on calibration_talent_records (user_id)`.execute(
    db,
  );
  await sql`create index calibration_talent_records_live_idx on calibration_talent_records (_deleted_at) where _deleted_at is null`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists calibration_talent_records`.execute(db);
  await sql`drop table if exists calibration_cycles`.execute(db);
  await sql`drop table if exists recognition_hashtags`.execute(db);
  await sql`drop table if exists recognition_receivers`.execute(db);
  await sql`drop table if exists recognition_givers`.execute(db);
  await sql`drop table if exists recognitions`.execute(db);
  await sql`drop table if exists feedback_responses`.execute(db);
  await sql`drop table if exists feedback`.execute(db);
  await sql`drop table if exists feedback_templates`.execute(db);
  await sql`drop table if exists conversation_responses`.execute(db);
  await sql`drop table if exists conversations`.execute(db);
  await sql`drop table if exists conversation_templates`.execute(db);
  await sql`drop table if exists goal_assessments`.execute(db);
  await sql`drop table if exists goal_checkins`.execute(db);
  await sql`drop table if exists goal_comments`.execute(db);
  await sql`drop table if exists goals`.execute(db);
  await sql`drop table if exists departments`.execute(db);
  await sql`drop table if exists users`.execute(db);
  await sql`drop table if exists sync_rejects`.execute(db);
  await sql`drop table if exists sync_seen`.execute(db);
  await sql`drop table if exists sync_state`.execute(db);
  await sql`drop table if exists sync_runs`.execute(db);
}
