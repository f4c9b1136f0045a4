import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../src/betterworks/normalize.ts';
import { findResource, resources } from '../../src/betterworks/resources/registry.ts';
import {
  fingerprint,
  type LoadCounts,
  type LoadItem,
  loadBatch,
  loadItemFrom,
  stageItems,
} from '../../src/warehouse/bulk-loader.ts';
import { createDb, createMigrator } from '../../src/warehouse/db.ts';
import { largestFirst } from '../../src/warehouse/largest-first.ts';
import { reconcileDeletes } from '../../src/warehouse/reconcile.ts';
import { dumpSchema } from '../../src/warehouse/schema-dump.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase, type TestDatabase, uniqueName } from '../helpers/database.ts';

function items(resourceName: string, records: Record<string, unknown>[], isNew = false): LoadItem[] {
  const resource = findResource(resourceName)!;
  return records.map((record) => {
    const result = normalizeRecord(resource, record);
    if (!result.ok) throw new Error(`fixture ${resourceName} is invalid: ${result.reject.reason}`);
    return loadItemFrom(result, fingerprint(resource, record), isNew);
  });
}

/** Loads records the way a sync batch does: one transaction on one connection. */
async function load(
  database: TestDatabase,
  resourceName: string,
  records: Record<string, unknown>[],
  ids = { runId: 1, passId: 1 },
  /** Load them as records the lookup found no row for (copied straight in). */
  isNew = false,
): Promise<LoadCounts> {
  const client = await database.pool.connect();
  try {
    await client.query('begin');
    const resource = findResource(resourceName)!;
    const counts = await loadBatch(
      client,
      resource,
      stageItems(resource, items(resourceName, records, isNew), ids.runId),
      ids,
    );
    await client.query('commit');
    return counts;
  } finally {
    client.release();
  }
}

async function reconcile(
  database: TestDatabase,
  resourceName: string,
  passId: number,
  runId: number,
  allowMassDelete = false,
) {
  const client = await database.pool.connect();
  try {
    return await reconcileDeletes(client, findResource(resourceName)!, {
      runId,
      passId,
      maxShare: 0.1,
      minRows: 2,
      allowMassDelete,
    });
  } finally {
    client.release();
  }
}

const user = (id: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: `User ${id}`,
  employee_id: `00${id}`,
  ...extra,
});

describe('migrations and schema', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  it('applies nothing the second time', async () => {
    const { results, error } = await createMigrator(database.db).migrateToLatest();
    expect(error).toBeUndefined();
    expect(results).toEqual([]);
  });

  it('matches the committed schema dump (run `npm run schema:dump` after changing migrations)', async () => {
    const client = await database.pool.connect();
    const dump = await dumpSchema(client);
    client.release();
    expect(dump).toBe(readFileSync(new URL('../../migrations/schema.sql', import.meta.url), 'utf8'));
  });

  it('describes every table, view and column with a comment', async () => {
    const missing = await sql<{ name: string }>`
      select c.table_schema || '.' || c.table_name || '.' || c.column_name as name
      from information_schema.columns c
      join pg_class k on k.relname = c.table_name
      join pg_namespace n on n.oid = k.relnamespace and n.nspname = c.table_schema
      where c.table_schema in ('public', 'analytics') and c.table_name not like 'kysely_%'
        and col_description(k.oid, c.ordinal_position) is null
      union all
      select n.nspname || '.' || k.relname from pg_class k join pg_namespace n on n.oid = k.relnamespace
      where n.nspname in ('public', 'analytics') and k.relkind in ('r', 'v') and k.relname not like 'kysely_%'
        and obj_description(k.oid, 'pg_class') is null`.execute(database.db);
    expect(missing.rows.map((r) => r.name)).toEqual([]);
  });

  it("counts writes to every table of every resource, under the table's resource", async () => {
    const triggers = await sql<{ table: string; def: string }>`
      select tgrelid::regclass::text as table, pg_get_triggerdef(oid) as def from pg_trigger
      where tgname = 'bwsync_count_writes' and not tgisinternal`.execute(database.db);
    const counted = new Map(triggers.rows.map((row) => [row.table, row.def]));
    for (const resource of resources) {
      for (const table of Object.keys(resource.tables)) {
        expect(counted.get(table), table).toMatch(
          new RegExp(
            `AFTER INSERT OR DELETE OR UPDATE OR TRUNCATE .* FOR EACH STATEMENT .*\\('${resource.name}'\\)$`,
          ),
        );
      }
    }
  });

  it('lets a role that may write a table do so without any privilege on the write counts', async () => {
    const role = uniqueName('bwsync_writer');
    const client = await database.pool.connect();
    try {
      await client.query(`create role ${role} nologin`);
      await client.query(`grant usage on schema public to ${role}`);
      await client.query(`grant select, update on users to ${role}`);
      const before = await client.query(`select generation from sync_table_writes where resource = 'users'`);
      await client.query(`set role ${role}`);
      await client.query(`update users set name = name where id < 0`);
      await client.query('reset role');
      const after = await client.query(`select generation from sync_table_writes where resource = 'users'`);
      expect(Number(after.rows[0].generation)).toBe(Number(before.rows[0].generation) + 1);
    } finally {
      await client.query('reset role');
      await client.query(`drop owned by ${role}`);
      await client.query(`drop role ${role}`);
      client.release();
    }
  });
});

describe('bulk loader', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  it('counts a first load, writes nothing on an identical reload, and rewrites only what changed', async () => {
    const first = await load(database, 'users', [user(1), user(2), user(3)]);
    expect(first).toMatchObject({ seen: 3, inserted: 3, updated: 0, unchanged: 0 });
    const synced = await sql<{
      id: number;
      s: string;
      x: string;
    }>`select id, _synced_at::text as s, xmin::text as x from users order by id`.execute(database.db);

    const again = await load(database, 'users', [user(1), user(2), user(3)], { runId: 2, passId: 2 });
    expect(again).toMatchObject({ seen: 3, inserted: 0, updated: 0, unchanged: 3 });
    const after = await sql<{
      id: number;
      s: string;
      x: string;
    }>`select id, _synced_at::text as s, xmin::text as x from users order by id`.execute(database.db);
    expect(after.rows).toEqual(synced.rows);

    const changed = await load(database, 'users', [user(1), user(2, { title: 'Director' }), user(4)], {
      runId: 3,
      passId: 3,
    });
    expect(changed).toMatchObject({ seen: 3, inserted: 1, updated: 1, unchanged: 1 });
    const row = await sql<{ title: string; run: number; first: string; synced: string }>`
      select title, _run_id as run, _first_seen_at::text as first, _synced_at::text as synced from users where id = 2`.execute(
      database.db,
    );
    expect(row.rows[0]).toMatchObject({ title: 'Director', run: 3 });
    expect(row.rows[0]!.synced > row.rows[0]!.first).toBe(true);
  });

  it('soft-deletes a key result its objective no longer lists, and keeps the objective', async () => {
    const objective = (krs: number[]) => ({
      id: 700,
      name: 'Objective',
      children: krs.map((id) => ({ id, name: `KR ${id}`, is_key_result: true, parent: { id: 700 } })),
    });
    await load(database, 'goals', [objective([701, 702])]);
    const counts = await load(database, 'goals', [objective([701])], { runId: 2, passId: 2 });
    expect(counts).toMatchObject({ deleted: 1, updated: 1 });
    const live = await sql<{
      id: number;
      record: number;
    }>`select id, _record_id as record from goals where _deleted_at is null order by id`.execute(database.db);
    expect(live.rows.map((r) => [Number(r.id), Number(r.record)])).toEqual([
      [700, 700],
      [701, 700],
    ]);
    expect((await load(database, 'goals', [objective([701, 702])], { runId: 3, passId: 3 })).updated).toBe(2);
  });

  it('keeps the last occurrence when a batch holds the same key twice', async () => {
    const counts = await load(database, 'users', [
      user(10, { title: 'First' }),
      user(11),
      user(10, { title: 'Second' }),
    ]);
    expect(counts).toMatchObject({ seen: 2, inserted: 2 });
    const row = await sql<{ title: string }>`select title from users where id = 10`.execute(database.db);
    expect(row.rows).toEqual([{ title: 'Second' }]);
  });

  it('copies records marked new straight in, keeping the last of a key served twice', async () => {
    const counts = await load(
      database,
      'conversations',
      [
        { id: 1200, responses: [{ id: 1201, text: 'first' }] },
        { id: 1210, responses: [{ id: 1211, text: 'x' }] },
        { id: 1200, responses: [{ id: 1201, text: 'second' }] },
      ],
      { runId: 8, passId: 8 },
      true,
    );
    expect(counts).toMatchObject({ seen: 4, inserted: 4, updated: 0 });
    const rows = await sql<{ id: string; answer: string; _run_id: string }>`
      select id, answer, _run_id from conversation_responses where id in (1201, 1211) order by id`.execute(
      database.db,
    );
    expect(rows.rows.map((r) => [Number(r.id), r.answer, Number(r._run_id)])).toEqual([
      [1201, 'second', 8],
      [1211, 'x', 8],
    ]);
  });

  it('falls back to the upsert when a record marked new turns out to have rows', async () => {
    await load(database, 'users', [user(20), user(21)], { runId: 9, passId: 9 });
    const counts = await load(
      database,
      'users',
      [user(21, { title: 'Changed' }), user(22)],
      { runId: 10, passId: 10 },
      true,
    );
    expect(counts).toMatchObject({ seen: 2, inserted: 1, updated: 1 });
    const rows = await sql<{ id: string; title: string | null; _row_count: number }>`
      select id, title, _row_count from users where id in (20, 21, 22) order by id`.execute(database.db);
    expect(rows.rows.map((r) => [Number(r.id), r.title, r._row_count])).toEqual([
      [20, null, 1],
      [21, 'Changed', 1],
      [22, null, 1],
    ]);
    // A row from before rows were counted gets its count when its record is staged again.
    await sql`update users set _row_count = null where id = 20`.execute(database.db);
    expect(await load(database, 'users', [user(20)], { runId: 11, passId: 11 })).toMatchObject({
      updated: 1,
    });
    const counted = await sql<{ n: number }>`select _row_count as n from users where id = 20`.execute(
      database.db,
    );
    expect(counted.rows).toEqual([{ n: 1 }]);
  });

  it('soft-deletes children that a parent no longer lists, and brings them back', async () => {
    const recognition = (receivers: number[]) => ({
      id: 500,
      message: 'Thanks',
      givers: [1],
      receivers,
      hashtags: ['#grit'],
    });
    await load(database, 'recognitions', [recognition([2, 3])]);
    const counts = await load(database, 'recognitions', [recognition([3])], { runId: 2, passId: 2 });
    expect(counts.deleted).toBe(1);
    const live = async () =>
      (
        await sql<{
          user_id: number;
        }>`select user_id from recognition_receivers where _deleted_at is null order by user_id`.execute(
          database.db,
        )
      ).rows.map((r) => Number(r.user_id));
    expect(await live()).toEqual([3]);
    const back = await load(database, 'recognitions', [recognition([2, 3])], { runId: 3, passId: 3 });
    // The recognition row changed (its payload lists 2 again) and the receiver row came back.
    expect(back).toMatchObject({ updated: 2, deleted: 0 });
    expect(await live()).toEqual([2, 3]);
  });
});

describe('start order', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  it('starts the resources whose last complete pass was largest first, and those never synced before them', async () => {
    const lastPass = { goals: 300, users: 50, departments: 3, recognitions: 50 };
    for (const [resource, pages] of Object.entries(lastPass)) {
      const run = await database.db
        .insertInto('sync_runs')
        .values({ resource, trigger: 'test', mode: 'full', status: 'ok', pages })
        .returning('id')
        .executeTakeFirstOrThrow();
      await database.db.insertInto('sync_state').values({ resource, last_complete_run_id: run.id }).execute();
    }
    // A pass in progress (no complete one yet) does not count.
    await database.db
      .insertInto('sync_runs')
      .values({ resource: 'feedback', trigger: 'test', mode: 'full', pages: 900 })
      .execute();
    const names = (list: readonly { name: string }[]) => list.map((resource) => resource.name);
    const chosen = ['departments', 'users', 'feedback', 'goals', 'recognitions'].map(
      (name) => findResource(name)!,
    );
    expect(names(await largestFirst(database.db, chosen))).toEqual([
      'feedback',
      'goals',
      'users',
      'recognitions',
      'departments',
    ]);
    // Without the warehouse, the order stays as given.
    const { db: unreachable } = createDb('postgres://postgres@127.0.0.1:1/none', { connectTimeoutMs: 500 });
    expect(names(await largestFirst(unreachable, chosen))).toEqual(names(chosen));
    await unreachable.destroy();
  });
});

describe('delete detection', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  const deletedIds = async () =>
    (
      await sql<{ id: number }>`select id from users where _deleted_at is not null order by id`.execute(
        database.db,
      )
    ).rows.map((r) => Number(r.id));

  it('soft-deletes rows a complete pass did not see, never hard-deletes, and undeletes a row that returns', async () => {
    const everyone = Array.from({ length: 30 }, (_, i) => user(i + 1));
    await load(database, 'users', everyone, { runId: 1, passId: 1 });
    await load(
      database,
      'users',
      everyone.filter((u) => u.id !== 7 && u.id !== 8),
      { runId: 2, passId: 2 },
    );
    const result = await reconcile(database, 'users', 2, 2);
    expect(result).toEqual({ live: 30, missing: 2, deleted: 2, refused: false });
    expect(await deletedIds()).toEqual([7, 8]);
    const total = await sql<{ n: number }>`select count(*)::int as n from users`.execute(database.db);
    expect(total.rows[0]?.n).toBe(30);

    const counts = await load(database, 'users', [user(7)], { runId: 3, passId: 3 });
    expect(counts).toMatchObject({ updated: 1 });
    expect(await deletedIds()).toEqual([8]);
  });

  it('refuses to delete more than the allowed share, and deletes once confirmed', async () => {
    // A pass that sees only users 1..10 (user 8 comes back with it).
    await load(
      database,
      'users',
      Array.from({ length: 10 }, (_, i) => user(i + 1)),
      { runId: 4, passId: 4 },
    );
    const refused = await reconcile(database, 'users', 4, 4);
    expect(refused).toMatchObject({ live: 30, missing: 20, deleted: 0, refused: true });
    expect(await deletedIds()).toEqual([]);
    const confirmed = await reconcile(database, 'users', 4, 5, true);
    expect(confirmed).toMatchObject({ deleted: 20, refused: false });
    expect((await deletedIds()).length).toBe(20);
  });

  it('deletes the children of a deleted parent with it', async () => {
    await load(
      database,
      'conversations',
      [
        {
          id: 900,
          responses: [
            { id: 901, text: 'a' },
            { id: 902, text: 'b' },
          ],
        },
        { id: 910, responses: [{ id: 911, text: 'c' }] },
      ],
      { runId: 6, passId: 6 },
    );
    await load(
      database,
      'conversations',
      [
        {
          id: 900,
          responses: [
            { id: 901, text: 'a' },
            { id: 902, text: 'b' },
          ],
        },
      ],
      { runId: 7, passId: 7 },
    );
    const result = await reconcile(database, 'conversations', 7, 7);
    expect(result).toMatchObject({ missing: 1, deleted: 2 });
    const gone = await sql<{
      id: number;
    }>`select id from conversation_responses where _deleted_at is not null`.execute(database.db);
    expect(gone.rows.map((r) => Number(r.id))).toEqual([911]);
  });
});

describe('analytics views and the reader role', () => {
  let database: TestDatabase;
  const role = uniqueName('bi_reader');
  beforeAll(async () => {
    database = await freshDatabase();
    await load(database, 'departments', [
      { id: 100, name: 'Sales', parent: null },
      { id: 101, name: 'Data', parent: 100 },
    ]);
    await load(database, 'users', [
      user(1, { name: 'Ada Boss', department: { id: 100 }, manager: null }),
      user(2, { name: 'Ben Seller', department: { id: 100 }, manager: { id: 1 } }),
      user(3, { name: 'Chen Analyst', department: { id: 101 }, manager: { id: 1 } }),
      user(4, { name: 'Gone Person', department: { id: 101 } }),
    ]);
    const goal = (id: number, owner: number, progress: number, children: unknown[] = [], extra = {}) => ({
      id,
      name: `Goal ${id}`,
      owner: { user_id: owner },
      start: '2026-01-01',
      end: '2026-03-31',
      measurement: { progress },
      children,
      ...extra,
    });
    await load(database, 'goals', [
      goal(
        10,
        2,
        0.5,
        [
          {
            id: 11,
            name: 'KR 11',
            is_key_result: true,
            owner: { user_id: 2 },
            measurement: { progress: 0.25 },
          },
        ],
        { last_checkedin: '2026-11-01T00:00:00Z' },
      ),
      goal(20, 2, 1),
      goal(30, 3, 0.2),
      goal(40, 4, 0.9),
    ]);
    await load(database, 'goal_checkins', [
      { id: 1, goal: 10, user: 2, progress: 0.5, created: '2026-11-20T00:00:00Z' },
    ]);
    await load(database, 'recognitions', [
      { id: 1, givers: [1], receivers: [2, 3], hashtags: ['#Grit'], created: '2026-05-01' },
      { id: 2, givers: [2], receivers: [3], hashtags: ['grit', 'kindness'], created: '2026-06-01' },
    ]);
    await load(database, 'conversation_templates', [{ id: 300, name: 'Weekly 1:1' }]);
    await load(database, 'conversations', [
      { id: 1, template: 300, status: 'completed', scheduled: '2026-10-05T10:00:00Z' },
      { id: 2, template: 300, status: 'scheduled', scheduled: '2026-10-20T10:00:00Z' },
      { id: 3, template: 300, status: 'completed', scheduled: '2026-11-02T10:00:00Z' },
    ]);
    await load(database, 'feedback_templates', [{ id: 400, name: 'Peer' }]);
    await load(database, 'feedback', [
      { id: 1, template: 400, status: 'submitted', requested: '2026-09-01' },
      { id: 2, template: 400, status: 'declined', requested: '2026-09-03' },
      { id: 3, template: 400, status: 'requested', requested: '2026-09-09' },
      { id: 4, template: 400, status: 'submitted', requested: '2026-09-10' },
    ]);
    // User 4 and their goal leave Betterworks: views must leave them out.
    await sql`update users set _deleted_at = now() where id = 4`.execute(database.db);
    await sql`update goals set _deleted_at = now() where id = 40`.execute(database.db);
  });
  afterAll(async () => {
    await database.drop();
    const admin = new pg.Client({ connectionString: database.url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    await admin.query(`drop role if exists ${pg.escapeIdentifier(role)}`);
    await admin.end();
  });

  const rows = async (query: string) => (await database.pool.query(query)).rows;

  it('joins objectives and key results to owner, department and manager names', async () => {
    expect(
      await rows(
        'select goal_id, goal_type, objective_name, owner_name, department_name, manager_name from analytics.objectives_and_key_results order by goal_id',
      ),
    ).toEqual([
      {
        goal_id: 10,
        goal_type: 'objective',
        objective_name: null,
        owner_name: 'Ben Seller',
        department_name: 'Sales',
        manager_name: 'Ada Boss',
      },
      {
        goal_id: 11,
        goal_type: 'key_result',
        objective_name: 'Goal 10',
        owner_name: 'Ben Seller',
        department_name: 'Sales',
        manager_name: 'Ada Boss',
      },
      {
        goal_id: 20,
        goal_type: 'objective',
        objective_name: null,
        owner_name: 'Ben Seller',
        department_name: 'Sales',
        manager_name: 'Ada Boss',
      },
      {
        goal_id: 30,
        goal_type: 'objective',
        objective_name: null,
        owner_name: 'Chen Analyst',
        department_name: 'Data',
        manager_name: 'Ada Boss',
      },
    ]);
  });

  it('sums goal progress by department and period', async () => {
    expect(
      await rows(
        'select department_name, period_start::text, objectives, key_results, avg_objective_progress, objectives_completed from analytics.goal_progress_by_department order by department_name',
      ),
    ).toEqual([
      {
        department_name: 'Data',
        period_start: '2026-01-01',
        objectives: 1,
        key_results: 0,
        avg_objective_progress: 0.2,
        objectives_completed: 0,
      },
      {
        department_name: 'Sales',
        period_start: '2026-01-01',
        objectives: 2,
        key_results: 1,
        avg_objective_progress: 0.75,
        objectives_completed: 1,
      },
    ]);
  });

  it('reports check-in recency from the goal and its check-in history', async () => {
    expect(
      await rows(
        "select goal_id, to_char(last_checked_in_at at time zone 'UTC', 'YYYY-MM-DD') as last, checkins from analytics.checkin_recency where goal_id in (10, 20) order by goal_id",
      ),
    ).toEqual([
      { goal_id: 10, last: '2026-11-20', checkins: 1 },
      { goal_id: 20, last: null, checkins: 0 },
    ]);
  });

  it('counts recognition by person, department and hashtag', async () => {
    expect(
      await rows(
        'select name, recognitions_given, recognitions_received from analytics.recognition_by_person order by user_id',
      ),
    ).toEqual([
      { name: 'Ada Boss', recognitions_given: 1, recognitions_received: 0 },
      { name: 'Ben Seller', recognitions_given: 1, recognitions_received: 1 },
      { name: 'Chen Analyst', recognitions_given: 0, recognitions_received: 2 },
    ]);
    expect(
      await rows(
        'select department_name, recognitions_given, recognitions_received from analytics.recognition_by_department order by department_name',
      ),
    ).toEqual([
      { department_name: 'Data', recognitions_given: 0, recognitions_received: 2 },
      { department_name: 'Sales', recognitions_given: 2, recognitions_received: 1 },
    ]);
    expect(
      await rows(
        'select hashtag, recognitions, people_recognized from analytics.recognition_by_hashtag order by hashtag',
      ),
    ).toEqual([
      { hashtag: 'grit', recognitions: 2, people_recognized: 2 },
      { hashtag: 'kindness', recognitions: 1, people_recognized: 1 },
    ]);
  });

  it('rates conversation and feedback completion by template and month', async () => {
    expect(
      await rows(
        'select template_name, period_month::text, conversations, completed, completion_rate from analytics.conversation_completion order by period_month',
      ),
    ).toEqual([
      {
        template_name: 'Weekly 1:1',
        period_month: '2026-10-01',
        conversations: 2,
        completed: 1,
        completion_rate: 0.5,
      },
      {
        template_name: 'Weekly 1:1',
        period_month: '2026-11-01',
        conversations: 1,
        completed: 1,
        completion_rate: 1,
      },
    ]);
    expect(
      await rows(
        'select template_name, requests, submitted, declined, completion_rate from analytics.feedback_completion',
      ),
    ).toEqual([{ template_name: 'Peer', requests: 4, submitted: 2, declined: 1, completion_rate: 0.5 }]);
  });

  it('gives the reader role the analytics views and nothing else', async () => {
    const result = await runCli(['grant-reader', role], { DATABASE_URL: database.url });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`created role ${role}`);
    expect((await runCli(['grant-reader', role], { DATABASE_URL: database.url })).stdout).toContain(
      `updated role ${role}`,
    );
    const client = await database.pool.connect();
    try {
      await client.query(`set role ${pg.escapeIdentifier(role)}`);
      const people = await client.query('select count(*)::int as n from analytics.people');
      expect(people.rows[0].n).toBe(3);
      await expect(client.query('select 1 from public.users limit 1')).rejects.toThrow(/permission denied/);
      await expect(client.query('select 1 from public.sync_runs limit 1')).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        client.query("insert into public.users (id, name, raw, _hash) values (99, 'x', '{}', 'h')"),
      ).rejects.toThrow(/permission denied/);
    } finally {
      await client.query('reset role');
      client.release();
    }
    expect((await runCli(['grant-reader', 'Robert"; drop'], { DATABASE_URL: database.url })).code).toBe(1);
  });
});
