/**
 * The analytics schema: views for BI tools over the resource tables, leaving out soft-deleted rows, and a
 * COMMENT ON every table, view and column so BI tools show what each one means. Frozen.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create schema if not exists analytics`.execute(db);
  await sql`
create view analytics.people as
select u.id as user_id, u.name, u.email, u.employee_id, u.title, u.is_active,
       u.department_id, d.name as department_name,
       u.manager_id, m.name as manager_name
from users u
left join departments d on d.id = u.department_id and d._deleted_at is null
left join users m on m.id = u.manager_id and m._deleted_at is null
where u._deleted_at is null`.execute(db);
  await sql`
create view analytics.objectives_and_key_results as
select g.id as goal_id, g.name as goal_name,
       case when g.is_key_result then 'key_result' else 'objective' end as goal_type,
       g.parent_id as objective_id, p.name as objective_name,
       g.owner_id, coalesce(o.name, g.owner_name) as owner_name, o.email as owner_email,
       o.department_id, d.name as department_name,
       o.manager_id, m.name as manager_name,
       g.start_date, g.end_date, g.progress, g.is_private,
       g.updated_at, g.last_checked_in_at
from goals g
left join goals p on p.id = g.parent_id and p._deleted_at is null
left join users o on o.id = g.owner_id and o._deleted_at is null
left join departments d on d.id = o.department_id and d._deleted_at is null
left join users m on m.id = o.manager_id and m._deleted_at is null
where g._deleted_at is null`.execute(db);
  await sql`
create view analytics.goal_progress_by_department as
select o.department_id, d.name as department_name,
       coalesce(g.start_date, p.start_date) as period_start, coalesce(g.end_date, p.end_date) as period_end,
       count(*) filter (where not g.is_key_result) as objectives,
       count(*) filter (where g.is_key_result) as key_results,
       round(avg(g.progress) filter (where not g.is_key_result), 4) as avg_objective_progress,
       round(avg(g.progress) filter (where g.is_key_result), 4) as avg_key_result_progress,
       count(*) filter (where not g.is_key_result and g.progress >= 1) as objectives_completed
from goals g
left join goals p on p.id = g.parent_id and p._deleted_at is null
left join users o on o.id = g.owner_id and o._deleted_at is null
left join departments d on d.id = o.department_id and d._deleted_at is null
where g._deleted_at is null
group by o.department_id, d.name, coalesce(g.start_date, p.start_date), coalesce(g.end_date, p.end_date)`.execute(
    db,
  );
  await sql`
create view analytics.checkin_recency as
select g.id as goal_id, g.name as goal_name, g.is_key_result, g.owner_id, o.name as owner_name,
       o.department_id, d.name as department_name,
       greatest(g.last_checked_in_at, c.last_checkin_at) as last_checked_in_at,
       extract(day from now() - greatest(g.last_checked_in_at, c.last_checkin_at))::int as days_since_checkin,
       coalesce(c.checkins, 0) as checkins
from goals g
left join (
  select goal_id, count(*) as checkins, max(checked_in_at) as last_checkin_at
  from goal_checkins where _deleted_at is null group by goal_id
) c on c.goal_id = g.id
left join users o on o.id = g.owner_id and o._deleted_at is null
left join departments d on d.id = o.department_id and d._deleted_at is null
where g._deleted_at is null`.execute(db);
  await sql`
create view analytics.recognition_by_person as
with given as (
  select gv.user_id, count(*) as n from recognition_givers gv
  join recognitions r on r.id = gv.recognition_id and r._deleted_at is null
  where gv._deleted_at is null group by gv.user_id
), received as (
  select rv.user_id, count(*) as n from recognition_receivers rv
  join recognitions r on r.id = rv.recognition_id and r._deleted_at is null
  where rv._deleted_at is null group by rv.user_id
)
select u.id as user_id, u.name, u.department_id, d.name as department_name,
       coalesce(given.n, 0) as recognitions_given, coalesce(received.n, 0) as recognitions_received
from users u
left join given on given.user_id = u.id
left join received on received.user_id = u.id
left join departments d on d.id = u.department_id and d._deleted_at is null
where u._deleted_at is null and (given.n is not null or received.n is not null)`.execute(db);
  await sql`
create view analytics.recognition_by_department as
select department_id, department_name,
       sum(recognitions_given) as recognitions_given, sum(recognitions_received) as recognitions_received
from analytics.recognition_by_person
group by department_id, department_name`.execute(db);
  await sql`
create view analytics.recognition_by_hashtag as
select h.hashtag, count(distinct h.recognition_id) as recognitions,
       count(distinct rv.user_id) as people_recognized,
       min(r.created_at) as first_used_at, max(r.created_at) as last_used_at
from recognition_hashtags h
join recognitions r on r.id = h.recognition_id and r._deleted_at is null
left join recognition_receivers rv on rv.recognition_id = h.recognition_id and rv._deleted_at is null
where h._deleted_at is null
group by h.hashtag`.execute(db);
  await sql`
create view analytics.conversation_completion as
select c.template_id, t.name as template_name,
       date_trunc('month', c.scheduled_at)::date as period_month,
       count(*) as conversations,
       count(*) filter (where c.status = 'completed') as completed,
       round(count(*) filter (where c.status = 'completed')::numeric / nullif(count(*), 0), 4) as completion_rate
from conversations c
left join conversation_templates t on t.id = c.template_id and t._deleted_at is null
where c._deleted_at is null
group by c.template_id, t.name, date_trunc('month', c.scheduled_at)::date`.execute(db);
  await sql`
create view analytics.feedback_completion as
select f.template_id, t.name as template_name,
       date_trunc('month', f.requested_at)::date as period_month,
       count(*) as requests,
       count(*) filter (where f.status = 'submitted') as submitted,
       count(*) filter (where f.status = 'declined') as declined,
       round(count(*) filter (where f.status = 'submitted')::numeric / nullif(count(*), 0), 4) as completion_rate
from feedback f
left join feedback_templates t on t.id = f.template_id and t._deleted_at is null
where f._deleted_at is null
group by f.template_id, t.name, date_trunc('month', f.requested_at)::date`.execute(db);
  await sql`comment on table public.users is 'People in the Betterworks tenant, active and deactivated (one row per user).'`.execute(
    db,
  );
  await sql`comment on table public.departments is 'Departments and their parent department (the org tree).'`.execute(
    db,
  );
  await sql`comment on table public.goals is 'Objectives and key results (milestones): key results have is_key_result = true and parent_id set.'`.execute(
    db,
  );
  await sql`comment on table public.goal_comments is 'Comments on objectives and key results.'`.execute(db);
  await sql`comment on table public.goal_checkins is 'Progress check-ins on objectives and key results.'`.execute(
    db,
  );
  await sql`comment on table public.goal_assessments is 'Assessments (scores) of goals at the end of their period.'`.execute(
    db,
  );
  await sql`comment on table public.conversation_templates is 'Templates for conversations (1:1s, reviews, check-ins).'`.execute(
    db,
  );
  await sql`comment on table public.conversations is 'Conversations between an employee and their manager.'`.execute(
    db,
  );
  await sql`comment on table public.conversation_responses is 'Answers given in conversations, one row per answer.'`.execute(
    db,
  );
  await sql`comment on table public.feedback_templates is 'Templates for feedback requests.'`.execute(db);
  await sql`comment on table public.feedback is 'Feedback requested or given, with who asked, who gave it and about whom.'`.execute(
    db,
  );
  await sql`comment on table public.feedback_responses is 'Answers given in feedback, one row per answer.'`.execute(
    db,
  );
  await sql`comment on table public.recognitions is 'Recognition posts.'`.execute(db);
  await sql`comment on table public.recognition_givers is 'Who gave each recognition (one row per giver).'`.execute(
    db,
  );
  await sql`comment on table public.recognition_receivers is 'Who received each recognition (one row per receiver).'`.execute(
    db,
  );
  await sql`comment on table public.recognition_hashtags is 'Hashtags used in each recognition (lower case, without #).'`.execute(
    db,
  );
  await sql`comment on table public.calibration_cycles is 'Calibration cycles.'`.execute(db);
  await sql`comment on table public.calibration_talent_records is 'Talent records (performance, potential, 9-box) per person and calibration cycle.'`.execute(
    db,
  );
  await sql`comment on table public.sync_runs is 'One row per sync run of one resource: status, counts and errors. The durable history of betterworks-sync.'`.execute(
    db,
  );
  await sql`comment on table public.sync_state is 'Per resource: the pass in progress, its checkpoint, and the last complete run.'`.execute(
    db,
  );
  await sql`comment on table public.sync_seen is 'Ids seen by the pass in progress (for delete detection); emptied when the pass completes.'`.execute(
    db,
  );
  await sql`comment on table public.sync_rejects is 'Records that failed validation, with the reasons and the payload as received. Nothing else was lost.'`.execute(
    db,
  );
  await sql`comment on view analytics.people is 'Active and deactivated people with their department and manager names.'`.execute(
    db,
  );
  await sql`comment on view analytics.objectives_and_key_results is 'Objectives and key results with owner, department and manager names.'`.execute(
    db,
  );
  await sql`comment on view analytics.goal_progress_by_department is 'Goal progress by owner department and goal period.'`.execute(
    db,
  );
  await sql`comment on view analytics.checkin_recency is 'How recently each goal was checked in.'`.execute(
    db,
  );
  await sql`comment on view analytics.recognition_by_person is 'Recognition given and received per person.'`.execute(
    db,
  );
  await sql`comment on view analytics.recognition_by_department is 'Recognition given and received per department.'`.execute(
    db,
  );
  await sql`comment on view analytics.recognition_by_hashtag is 'Recognition per hashtag.'`.execute(db);
  await sql`comment on view analytics.conversation_completion is 'Conversation completion by template and month scheduled.'`.execute(
    db,
  );
  await sql`comment on view analytics.feedback_completion is 'Feedback completion by template and month requested.'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.goal_id is 'The goal or key result (goals.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.goal_name is 'Goal name.'`.execute(db);
  await sql`comment on column analytics.checkin_recency.is_key_result is 'True for a key result.'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.owner_id is 'Owner (users.id).'`.execute(db);
  await sql`comment on column analytics.checkin_recency.owner_name is 'Owner name.'`.execute(db);
  await sql`comment on column analytics.checkin_recency.department_id is 'Department (departments.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.department_name is 'Department name.'`.execute(db);
  await sql`comment on column analytics.checkin_recency.last_checked_in_at is 'Most recent check-in (goal field or check-in history).'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.days_since_checkin is 'Whole days since the last check-in; null if never.'`.execute(
    db,
  );
  await sql`comment on column analytics.checkin_recency.checkins is 'Check-ins in the history.'`.execute(db);
  await sql`comment on column analytics.conversation_completion.template_id is 'The template it was based on.'`.execute(
    db,
  );
  await sql`comment on column analytics.conversation_completion.template_name is 'Template name.'`.execute(
    db,
  );
  await sql`comment on column analytics.conversation_completion.period_month is 'Month (first day) the activity falls in.'`.execute(
    db,
  );
  await sql`comment on column analytics.conversation_completion.conversations is 'Conversations scheduled.'`.execute(
    db,
  );
  await sql`comment on column analytics.conversation_completion.completed is 'Conversations completed.'`.execute(
    db,
  );
  await sql`comment on column analytics.conversation_completion.completion_rate is 'Completed divided by total, 0 to 1.'`.execute(
    db,
  );
  await sql`comment on column analytics.feedback_completion.template_id is 'The template it was based on.'`.execute(
    db,
  );
  await sql`comment on column analytics.feedback_completion.template_name is 'Template name.'`.execute(db);
  await sql`comment on column analytics.feedback_completion.period_month is 'Month (first day) the activity falls in.'`.execute(
    db,
  );
  await sql`comment on column analytics.feedback_completion.requests is 'Feedback requests.'`.execute(db);
  await sql`comment on column analytics.feedback_completion.submitted is 'Submitted.'`.execute(db);
  await sql`comment on column analytics.feedback_completion.declined is 'Declined.'`.execute(db);
  await sql`comment on column analytics.feedback_completion.completion_rate is 'Completed divided by total, 0 to 1.'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.department_id is 'Department (departments.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.department_name is 'Department name.'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.period_start is 'First day of the goal period (key results without dates take their objective''s).'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.period_end is 'Last day of the goal period.'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.objectives is 'Objectives in the period.'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.key_results is 'Key results in the period.'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.avg_objective_progress is 'Average objective progress (0 to 1).'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.avg_key_result_progress is 'Average key result progress (0 to 1).'`.execute(
    db,
  );
  await sql`comment on column analytics.goal_progress_by_department.objectives_completed is 'Objectives at 100%.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.goal_id is 'The goal or key result (goals.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.goal_name is 'Goal name.'`.execute(db);
  await sql`comment on column analytics.objectives_and_key_results.goal_type is 'objective or key_result.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.objective_id is 'For a key result: its objective.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.objective_name is 'For a key result: its objective name.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.owner_id is 'Owner (users.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.owner_name is 'Owner name.'`.execute(db);
  await sql`comment on column analytics.objectives_and_key_results.owner_email is 'Owner email.'`.execute(db);
  await sql`comment on column analytics.objectives_and_key_results.department_id is 'Department (departments.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.department_name is 'Department name.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.manager_id is 'Manager (users.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.manager_name is 'Manager name.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.start_date is 'First day of the period.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.end_date is 'Last day of the period.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.progress is 'Progress as a fraction from 0 to 1.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.is_private is 'Private goal.'`.execute(db);
  await sql`comment on column analytics.objectives_and_key_results.updated_at is 'Betterworks change time.'`.execute(
    db,
  );
  await sql`comment on column analytics.objectives_and_key_results.last_checked_in_at is 'Last check-in time.'`.execute(
    db,
  );
  await sql`comment on column analytics.people.user_id is 'Betterworks user id.'`.execute(db);
  await sql`comment on column analytics.people.name is 'Full name.'`.execute(db);
  await sql`comment on column analytics.people.email is 'Email address.'`.execute(db);
  await sql`comment on column analytics.people.employee_id is 'Employee id (text, leading zeros kept).'`.execute(
    db,
  );
  await sql`comment on column analytics.people.title is 'Job title.'`.execute(db);
  await sql`comment on column analytics.people.is_active is 'False when deactivated or retired.'`.execute(db);
  await sql`comment on column analytics.people.department_id is 'Department (departments.id).'`.execute(db);
  await sql`comment on column analytics.people.department_name is 'Department name.'`.execute(db);
  await sql`comment on column analytics.people.manager_id is 'Manager (users.id).'`.execute(db);
  await sql`comment on column analytics.people.manager_name is 'Manager name.'`.execute(db);
  await sql`comment on column analytics.recognition_by_department.department_id is 'Department (departments.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_department.department_name is 'Department name.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_department.recognitions_given is 'Recognitions given by people in the department.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_department.recognitions_received is 'Recognitions received by people in the department.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_hashtag.hashtag is 'Hashtag, lower case, without #.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_hashtag.recognitions is 'Recognitions using it.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_hashtag.people_recognized is 'Distinct people recognized with it.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_hashtag.first_used_at is 'First use.'`.execute(db);
  await sql`comment on column analytics.recognition_by_hashtag.last_used_at is 'Latest use.'`.execute(db);
  await sql`comment on column analytics.recognition_by_person.user_id is 'The user (users.id).'`.execute(db);
  await sql`comment on column analytics.recognition_by_person.name is 'Full name.'`.execute(db);
  await sql`comment on column analytics.recognition_by_person.department_id is 'Department (departments.id).'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_person.department_name is 'Department name.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_person.recognitions_given is 'Recognitions this person gave.'`.execute(
    db,
  );
  await sql`comment on column analytics.recognition_by_person.recognitions_received is 'Recognitions this person received.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.calibration_cycles.name is 'Name as shown in Betterworks.'`.execute(db);
  await sql`comment on column public.calibration_cycles.status is 'Status as reported by Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles.start_date is 'First day of the period.'`.execute(db);
  await sql`comment on column public.calibration_cycles.end_date is 'Last day of the period.'`.execute(db);
  await sql`comment on column public.calibration_cycles.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_cycles._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.calibration_talent_records.cycle_id is 'Calibration cycle (calibration_cycles.id).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.user_id is 'The person calibrated (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.performance_rating is 'Performance rating.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.potential_rating is 'Potential rating.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.box is '9-box placement.'`.execute(db);
  await sql`comment on column public.calibration_talent_records.calibrated_by_id is 'Who calibrated (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.notes is 'Calibration notes.'`.execute(db);
  await sql`comment on column public.calibration_talent_records.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.calibration_talent_records._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.conversation_responses.conversation_id is 'The conversation (conversations.id).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.question_id is 'The template question answered.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.author_id is 'Who answered (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.answer is 'The text answer, if any.'`.execute(db);
  await sql`comment on column public.conversation_responses.rating is 'The rating answer, if any.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.submitted_at is 'When the answer was submitted.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_responses._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.conversation_templates.name is 'Name as shown in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.description is 'Description text.'`.execute(db);
  await sql`comment on column public.conversation_templates.is_active is 'False when deactivated or retired.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.questions is 'The template questions (id, text, type) as JSON.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.question_count is 'Number of questions in the template.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversation_templates._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.conversations.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.conversations.template_id is 'Template (conversation_templates.id).'`.execute(
    db,
  );
  await sql`comment on column public.conversations.subject_id is 'The employee the conversation is about (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.conversations.manager_id is 'The manager in the conversation (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.conversations.status is 'scheduled, in_progress or completed.'`.execute(
    db,
  );
  await sql`comment on column public.conversations.scheduled_at is 'When the conversation was scheduled.'`.execute(
    db,
  );
  await sql`comment on column public.conversations.completed_at is 'When it was completed.'`.execute(db);
  await sql`comment on column public.conversations.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.conversations.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.conversations.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.conversations._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.conversations._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.conversations._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.departments.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.departments.name is 'Name as shown in Betterworks.'`.execute(db);
  await sql`comment on column public.departments.parent_id is 'Parent department (departments.id); null at the top.'`.execute(
    db,
  );
  await sql`comment on column public.departments.group_type is 'Kind of group (division, department…).'`.execute(
    db,
  );
  await sql`comment on column public.departments.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.departments._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.departments._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.departments._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.departments._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.departments._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.departments._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.departments._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.feedback.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.feedback.template_id is 'Template (feedback_templates.id).'`.execute(db);
  await sql`comment on column public.feedback.requester_id is 'Who requested the feedback (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.feedback.giver_id is 'Who gives the feedback (users.id).'`.execute(db);
  await sql`comment on column public.feedback.receiver_id is 'Who the feedback is about (users.id).'`.execute(
    db,
  );
  await sql`comment on column public.feedback.status is 'requested, submitted or declined.'`.execute(db);
  await sql`comment on column public.feedback.requested_at is 'When it was requested.'`.execute(db);
  await sql`comment on column public.feedback.submitted_at is 'When it was submitted.'`.execute(db);
  await sql`comment on column public.feedback.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.feedback.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.feedback._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.feedback._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.feedback_responses.feedback_id is 'The feedback (feedback.id).'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses.question_id is 'The template question answered.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses.answer is 'The text answer, if any.'`.execute(db);
  await sql`comment on column public.feedback_responses.rating is 'The rating answer, if any.'`.execute(db);
  await sql`comment on column public.feedback_responses.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_responses._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.feedback_templates.name is 'Name as shown in Betterworks.'`.execute(db);
  await sql`comment on column public.feedback_templates.description is 'Description text.'`.execute(db);
  await sql`comment on column public.feedback_templates.is_active is 'False when deactivated or retired.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.questions is 'The template questions (id, text, type) as JSON.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.question_count is 'Number of questions in the template.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.feedback_templates._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.goal_assessments.goal_id is 'The goal or key result (goals.id).'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments.assessor_id is 'Who assessed (users.id).'`.execute(db);
  await sql`comment on column public.goal_assessments.score is 'Assessment score.'`.execute(db);
  await sql`comment on column public.goal_assessments.comment is 'Assessment comment.'`.execute(db);
  await sql`comment on column public.goal_assessments.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_assessments._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.goal_checkins.goal_id is 'The goal or key result (goals.id).'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins.user_id is 'Who checked in (users.id).'`.execute(db);
  await sql`comment on column public.goal_checkins.value is 'Metric value checked in.'`.execute(db);
  await sql`comment on column public.goal_checkins.progress is 'Progress as a fraction from 0 to 1.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins.status is 'Confidence reported with the check-in (on_track, at_risk, behind).'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins.note is 'Note written with the check-in.'`.execute(db);
  await sql`comment on column public.goal_checkins.checked_in_at is 'When the check-in was made.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_checkins._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.goal_comments.goal_id is 'The goal or key result (goals.id).'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments.author_id is 'Author (users.id).'`.execute(db);
  await sql`comment on column public.goal_comments.body is 'Comment text.'`.execute(db);
  await sql`comment on column public.goal_comments.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.goal_comments._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.goals.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.goals.name is 'Name as shown in Betterworks.'`.execute(db);
  await sql`comment on column public.goals.description is 'Description text.'`.execute(db);
  await sql`comment on column public.goals.is_key_result is 'True for a key result (milestone), false for an objective.'`.execute(
    db,
  );
  await sql`comment on column public.goals.parent_id is 'For a key result: its objective (goals.id). For an objective: the goal it aligns to, if any.'`.execute(
    db,
  );
  await sql`comment on column public.goals.owner_id is 'Owner (users.id).'`.execute(db);
  await sql`comment on column public.goals.owner_name is 'Owner name as embedded in the goal payload.'`.execute(
    db,
  );
  await sql`comment on column public.goals.start_date is 'First day of the period.'`.execute(db);
  await sql`comment on column public.goals.end_date is 'Last day of the period.'`.execute(db);
  await sql`comment on column public.goals.progress is 'Progress as a fraction from 0 to 1.'`.execute(db);
  await sql`comment on column public.goals.is_private is 'Private goals are visible only to their owner and Super Admins.'`.execute(
    db,
  );
  await sql`comment on column public.goals.categories is 'Goal categories as a JSON array.'`.execute(db);
  await sql`comment on column public.goals.weight is 'Weight of the goal.'`.execute(db);
  await sql`comment on column public.goals.updated_at is 'Betterworks change time of the goal (epoch seconds in the API).'`.execute(
    db,
  );
  await sql`comment on column public.goals.last_checked_in_at is 'When progress was last checked in.'`.execute(
    db,
  );
  await sql`comment on column public.goals.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.goals._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.goals._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.goals._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.goals._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.goals._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.goals._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.goals._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers.recognition_id is 'The recognition (recognitions.id).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers.user_id is 'The giver (users.id).'`.execute(db);
  await sql`comment on column public.recognition_givers.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_givers._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags.recognition_id is 'The recognition (recognitions.id).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags.hashtag is 'Hashtag, lower case, without #.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_hashtags._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers.recognition_id is 'The recognition (recognitions.id).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers.user_id is 'The receiver (users.id).'`.execute(db);
  await sql`comment on column public.recognition_receivers.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognition_receivers._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.recognitions.message is 'Recognition message.'`.execute(db);
  await sql`comment on column public.recognitions.created_at is 'When it was created in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.recognitions._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
  await sql`comment on column public.sync_rejects.id is 'Reject id.'`.execute(db);
  await sql`comment on column public.sync_rejects.resource is 'Resource.'`.execute(db);
  await sql`comment on column public.sync_rejects.run_id is 'The run (sync_runs.id).'`.execute(db);
  await sql`comment on column public.sync_rejects.record_id is 'Betterworks id of the record, when it had a usable one.'`.execute(
    db,
  );
  await sql`comment on column public.sync_rejects.reason is 'Why the record was rejected.'`.execute(db);
  await sql`comment on column public.sync_rejects.issues is 'Validation issues as JSON (path, code, message).'`.execute(
    db,
  );
  await sql`comment on column public.sync_rejects.raw is 'The payload as received (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.sync_rejects.rejected_at is 'When it was rejected.'`.execute(db);
  await sql`comment on column public.sync_runs.id is 'Run id.'`.execute(db);
  await sql`comment on column public.sync_runs.resource is 'Resource synced (users, goals, …).'`.execute(db);
  await sql`comment on column public.sync_runs.trigger is 'What started the run: cli, schedule, backfill, demo.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.mode is 'full: a new pass; resume: continued a pass from its checkpoint.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.status is 'running, ok, partial (delete refused), failed or forbidden.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.started_at is 'Start time.'`.execute(db);
  await sql`comment on column public.sync_runs.finished_at is 'End time; null while running.'`.execute(db);
  await sql`comment on column public.sync_runs.resumed_from_run_id is 'The run whose pass this one continued.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.pages is 'API pages fetched and committed.'`.execute(db);
  await sql`comment on column public.sync_runs.rows_seen is 'Rows received across the resource tables.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.rows_inserted is 'Rows inserted.'`.execute(db);
  await sql`comment on column public.sync_runs.rows_updated is 'Rows changed (or undeleted).'`.execute(db);
  await sql`comment on column public.sync_runs.rows_unchanged is 'Rows received identical to the warehouse.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.rows_deleted is 'Rows soft-deleted.'`.execute(db);
  await sql`comment on column public.sync_runs.rows_rejected is 'Records quarantined in sync_rejects.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.records_changed is 'Records whose Betterworks change time moved (resources that have one).'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.delete_refused is 'True when the delete guard refused a mass deletion.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.http_requests is 'API requests made.'`.execute(db);
  await sql`comment on column public.sync_runs.http_retries is 'API requests retried.'`.execute(db);
  await sql`comment on column public.sync_runs.http_429s is '429 Too Many Requests answers received.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.error_code is 'Stable error code when the run did not end ok.'`.execute(
    db,
  );
  await sql`comment on column public.sync_runs.error_message is 'What happened and what to do.'`.execute(db);
  await sql`comment on column public.sync_seen.pass_id is 'The pass.'`.execute(db);
  await sql`comment on column public.sync_seen.id is 'Id seen by the pass.'`.execute(db);
  await sql`comment on column public.sync_state.resource is 'Resource.'`.execute(db);
  await sql`comment on column public.sync_state.pass_id is 'Id of the pass in progress (the run that started it).'`.execute(
    db,
  );
  await sql`comment on column public.sync_state.pass_started_at is 'When the pass in progress started.'`.execute(
    db,
  );
  await sql`comment on column public.sync_state.checkpoint is 'Next page to fetch and pages behind it; null when no pass is in progress.'`.execute(
    db,
  );
  await sql`comment on column public.sync_state.last_complete_run_id is 'The last run that completed a pass.'`.execute(
    db,
  );
  await sql`comment on column public.sync_state.last_complete_at is 'When the last pass completed.'`.execute(
    db,
  );
  await sql`comment on column public.sync_state.updated_at is 'Last change of this row.'`.execute(db);
  await sql`comment on column public.users.id is 'Betterworks id.'`.execute(db);
  await sql`comment on column public.users.name is 'Full name.'`.execute(db);
  await sql`comment on column public.users.first_name is 'First name.'`.execute(db);
  await sql`comment on column public.users.last_name is 'Last name.'`.execute(db);
  await sql`comment on column public.users.email is 'Email address.'`.execute(db);
  await sql`comment on column public.users.employee_id is 'Employee id from the HR system, as text (leading zeros kept).'`.execute(
    db,
  );
  await sql`comment on column public.users.title is 'Job title.'`.execute(db);
  await sql`comment on column public.users.department_id is 'Department (departments.id).'`.execute(db);
  await sql`comment on column public.users.manager_id is 'Manager (users.id).'`.execute(db);
  await sql`comment on column public.users.is_active is 'False when deactivated or retired.'`.execute(db);
  await sql`comment on column public.users.deactivated_at is 'When the user was deactivated, if they were.'`.execute(
    db,
  );
  await sql`comment on column public.users.custom_fields is 'Admin-defined custom user fields as JSON.'`.execute(
    db,
  );
  await sql`comment on column public.users.created_at is 'When it was created in Betterworks.'`.execute(db);
  await sql`comment on column public.users.updated_at is 'When it was last changed in Betterworks.'`.execute(
    db,
  );
  await sql`comment on column public.users.raw is 'The record exactly as the Betterworks API returned it (NUL characters removed).'`.execute(
    db,
  );
  await sql`comment on column public.users._hash is 'Hash of the typed values and raw; a row is rewritten only when it changes.'`.execute(
    db,
  );
  await sql`comment on column public.users._cleaned is 'True when NUL characters were removed from the record before loading.'`.execute(
    db,
  );
  await sql`comment on column public.users._first_seen_at is 'When betterworks-sync first loaded this row.'`.execute(
    db,
  );
  await sql`comment on column public.users._synced_at is 'When the content of this row last changed in the warehouse (not moved by identical re-syncs).'`.execute(
    db,
  );
  await sql`comment on column public.users._deleted_at is 'When the row disappeared from Betterworks (soft delete); null while it exists.'`.execute(
    db,
  );
  await sql`comment on column public.users._run_id is 'The sync run (sync_runs.id) that last inserted or changed this row.'`.execute(
    db,
  );
  await sql`comment on column public.users._deleted_by_run_id is 'The sync run (sync_runs.id) that marked this row deleted.'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop view if exists analytics.feedback_completion`.execute(db);
  await sql`drop view if exists analytics.conversation_completion`.execute(db);
  await sql`drop view if exists analytics.recognition_by_hashtag`.execute(db);
  await sql`drop view if exists analytics.recognition_by_department`.execute(db);
  await sql`drop view if exists analytics.recognition_by_person`.execute(db);
  await sql`drop view if exists analytics.checkin_recency`.execute(db);
  await sql`drop view if exists analytics.goal_progress_by_department`.execute(db);
  await sql`drop view if exists analytics.objectives_and_key_results`.execute(db);
  await sql`drop view if exists analytics.people`.execute(db);
  await sql`drop schema if exists analytics`.execute(db);
}
