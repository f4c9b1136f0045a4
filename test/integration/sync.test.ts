import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainTable } from '../../src/betterworks/resources/define-resource.ts';
import { findResource, resources } from '../../src/betterworks/resources/registry.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { syncResources } from '../../src/sync/sync-resources.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { fetchTruth, mutate, syncContextFor, type Truth } from '../helpers/sync.ts';

async function liveIds(database: TestDatabase, table: string): Promise<number[]> {
  const result = await sql<{
    id: number;
  }>`select id from ${sql.table(table)} where _deleted_at is null order by id`.execute(database.db);
  return result.rows.map((row) => Number(row.id));
}

async function liveCount(database: TestDatabase, table: string): Promise<number> {
  const result = await sql<{
    n: number;
  }>`select count(*)::int as n from ${sql.table(table)} where _deleted_at is null`.execute(database.db);
  return result.rows[0]?.n ?? 0;
}

async function expectWarehouseEqualsTruth(
  database: TestDatabase,
  truth: Record<string, Truth>,
  names = resources.map((r) => r.name),
) {
  for (const name of names) {
    const resource = findResource(name)!;
    const expected = truth[name]!;
    expect(await liveIds(database, mainTable(resource)), name).toEqual(expected.ids);
    for (const [table, count] of Object.entries(expected.rows)) {
      expect(await liveCount(database, table), `${name}.${table}`).toBe(count);
    }
  }
}

describe('sync engine against the simulator', () => {
  let sim: Simulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 21, scale: 0.1 });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  it('syncs every resource so that the warehouse equals the truth, with run counts that agree', async () => {
    const context = syncContextFor(sim.baseUrl, database.url);
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    expect(
      summary.results.filter((r) => r.status !== 'ok').map((r) => `${r.resource}: ${r.errorMessage}`),
    ).toEqual([]);
    expect(summary.status).toBe('ok');
    const truth = await fetchTruth(sim.origin);
    await expectWarehouseEqualsTruth(database, truth);

    const runs = await database.db.selectFrom('sync_runs').selectAll().orderBy('id').execute();
    expect(runs).toHaveLength(resources.length);
    for (const run of runs) {
      const expectedRows = Object.values(truth[run.resource]!.rows).reduce((a, b) => a + b, 0);
      expect(run.status, run.resource).toBe('ok');
      expect(Number(run.rows_inserted), run.resource).toBe(expectedRows);
      expect(Number(run.rows_seen), run.resource).toBe(expectedRows);
      expect(Number(run.rows_updated) + Number(run.rows_deleted) + Number(run.rows_rejected)).toBe(0);
      expect(run.finished_at).not.toBeNull();
    }
    const state = await database.db.selectFrom('sync_state').selectAll().execute();
    expect(state.every((s) => s.checkpoint === null && s.last_complete_run_id !== null)).toBe(true);
    expect(await database.db.selectFrom('sync_seen_batches').select('id').execute()).toHaveLength(0);
  });

  it('writes nothing on an identical re-sync', async () => {
    const before = await sql<{ t: string }>`select max(_synced_at)::text as t from users`.execute(
      database.db,
    );
    const context = syncContextFor(sim.baseUrl, database.url);
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    expect(summary.status).toBe('ok');
    for (const result of summary.results) {
      expect({
        resource: result.resource,
        written: result.inserted + result.updated + result.deleted,
      }).toEqual({
        resource: result.resource,
        written: 0,
      });
      expect(result.unchanged).toBe(result.seen);
      // Every page came back exactly as printed: none was parsed again.
      expect({ resource: result.resource, unchangedPages: result.pagesUnchanged }).toEqual({
        resource: result.resource,
        unchangedPages: result.pages,
      });
    }
    const after = await sql<{ t: string }>`select max(_synced_at)::text as t from users`.execute(database.db);
    expect(after.rows[0]?.t).toBe(before.rows[0]?.t);
  });

  it('applies exactly the inserts, updates and deletes made at the source', async () => {
    const mutated = await mutate(sim.origin, {
      seed: 5,
      inserts: { users: 4, recognitions: 2 },
      updates: { users: 3, goals: 2, conversations: 2 },
      deletes: { users: 2, goals: 1, conversations: 1 },
    });
    const context = syncContextFor(sim.baseUrl, database.url);
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    expect(summary.status).toBe('ok');
    const users = summary.results.find((r) => r.resource === 'users')!;
    expect({ inserted: users.inserted, updated: users.updated, deleted: users.deleted }).toEqual({
      inserted: mutated.users!.inserted.length,
      updated: mutated.users!.updated.length,
      deleted: mutated.users!.deleted.length,
    });
    expect(users.recordsChanged).toBe(mutated.users!.inserted.length + mutated.users!.updated.length);
    const untouched = summary.results.filter((r) => !(r.resource in mutated));
    expect(untouched.every((r) => r.inserted + r.updated + r.deleted === 0)).toBe(true);
    await expectWarehouseEqualsTruth(database, await fetchTruth(sim.origin));
    const gone = await sql<{
      id: number;
      by: number;
    }>`select id, _deleted_by_run_id as by from users where _deleted_at is not null order by id`.execute(
      database.db,
    );
    expect(gone.rows.map((r) => Number(r.id))).toEqual([...mutated.users!.deleted].sort((a, b) => a - b));
    expect(gone.rows.every((r) => Number(r.by) === users.runId)).toBe(true);
  });

  it('refuses a mass deletion, records it, and applies it once confirmed', async () => {
    await mutate(sim.origin, { seed: 6, deletes: { users: 0.5 } });
    const users = findResource('users')!;
    const context = syncContextFor(sim.baseUrl, database.url);
    const refused = await runSync(users, context.deps, { trigger: 'test' });
    expect(refused.status).toBe('partial');
    expect(refused.deleteRefused).toBe(true);
    expect(refused.deleted).toBe(0);
    expect(context.logLines.join('')).toContain('--allow-deletes');
    const run = await database.db
      .selectFrom('sync_runs')
      .selectAll()
      .where('id', '=', String(refused.runId))
      .executeTakeFirstOrThrow();
    expect({ status: run.status, refused: run.delete_refused, code: run.error_code }).toEqual({
      status: 'partial',
      refused: true,
      code: 'DELETE_GUARD',
    });
    const truth = await fetchTruth(sim.origin);
    expect((await liveIds(database, 'users')).length).toBeGreaterThan(truth.users!.count);
    // Nothing changed since, but the refused rows are still live: the next run refuses again.
    const again = await runSync(users, context.deps, { trigger: 'test' });
    expect({ status: again.status, refused: again.deleteRefused }).toEqual({
      status: 'partial',
      refused: true,
    });

    const confirmed = await runSync(users, context.deps, { trigger: 'test', allowMassDelete: true });
    await context.close();
    expect(confirmed.status).toBe('ok');
    expect(confirmed.deleted).toBeGreaterThan(20);
    expect(await liveIds(database, 'users')).toEqual(truth.users!.ids);
  });
});

describe('sync engine: pages served exactly as last read', () => {
  let sim: Simulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 22, scale: 0.05 });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  async function syncAll() {
    // Small pages, so that each resource has several.
    const context = syncContextFor(sim.baseUrl, database.url, 'sim_super_admin', {
      BETTERWORKS_PAGE_SIZE: '20',
      SYNC_DELETE_MAX_SHARE: '1',
    });
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    expect(summary.status).toBe('ok');
    return new Map(summary.results.map((r) => [r.resource, r]));
  }

  it('reads a page again when the warehouse no longer holds its records as printed', async () => {
    await syncAll();
    // Behind the sync's back: a user row removed, a goal soft-deleted, the feedback tables emptied.
    await sql`delete from users where id = (select min(id) from users)`.execute(database.db);
    await sql`update goals set _deleted_at = now() where id = (select max(_record_id) from goals)`.execute(
      database.db,
    );
    await sql`truncate feedback, feedback_responses`.execute(database.db);
    const results = await syncAll();
    await expectWarehouseEqualsTruth(database, await fetchTruth(sim.origin));
    const users = results.get('users')!;
    expect({ inserted: users.inserted, unchangedPages: users.pagesUnchanged }).toEqual({
      inserted: 1,
      unchangedPages: users.pages - 1,
    });
    expect(results.get('goals')!.pagesUnchanged).toBe(results.get('goals')!.pages - 1);
    // An empty table starts an initial load, which holds no page.
    expect(results.get('feedback')!.pagesUnchanged).toBe(0);
    expect(results.get('departments')!.pagesUnchanged).toBe(results.get('departments')!.pages);
  });

  it('reads changed pages, holds the rest, and forgets prints past a shrunken end', async () => {
    const before = (await syncAll()).get('goal_comments')!;
    const mutated = await mutate(sim.origin, { seed: 9, deletes: { goal_comments: 0.3 } });
    const results = await syncAll();
    await expectWarehouseEqualsTruth(database, await fetchTruth(sim.origin));
    const comments = results.get('goal_comments')!;
    expect(comments.deleted).toBeGreaterThanOrEqual(mutated.goal_comments!.deleted.length);
    expect(comments.pagesUnchanged).toBeLessThan(comments.pages);
    expect(comments.pages).toBeLessThan(before.pages);
    const prints = await sql<{ n: number }>`select count(*)::int as n from sync_pages
      where resource = 'goal_comments'`.execute(database.db);
    expect(prints.rows[0]?.n).toBe(comments.pages);
    // And the next run holds every page again.
    const again = (await syncAll()).get('goal_comments')!;
    expect(again.pagesUnchanged).toBe(again.pages);
  });

  it('trusts pages as printed only while nobody has written to the tables since a pass confirmed them', async () => {
    await syncAll();
    // A pass that wrote nothing settles its resource's write generation.
    for (const result of (await syncAll()).values()) expect(result.inserted + result.updated).toBe(0);
    const settled = await database.db
      .selectFrom('sync_state')
      .select(['resource', 'settled_generation'])
      .execute();
    expect(settled.filter((state) => state.settled_generation === null)).toEqual([]);

    // A print that no longer matches the rows, with the tables untouched: trusted, so the page is held.
    const spoil = sql`update sync_pages set "check" = 'spoiled' where resource = 'users' and position = 0`;
    await spoil.execute(database.db);
    const trusted = (await syncAll()).get('users')!;
    expect(trusted.pagesUnchanged).toBe(trusted.pages);
    // `--full` trusts nothing: the page is checked, fails, and is read again (its records are unchanged).
    const context = syncContextFor(sim.baseUrl, database.url, 'sim_super_admin', {
      BETTERWORKS_PAGE_SIZE: '20',
    });
    const full = await runSync(findResource('users')!, context.deps, { trigger: 'test', restart: true });
    await context.close();
    expect({ read: full.pages - full.pagesUnchanged, written: full.inserted + full.updated }).toEqual({
      read: 1,
      written: 0,
    });
    await spoil.execute(database.db);

    // Any write to the tables ends the trust: the spoiled page is checked and read again, and a row the
    // source does not have is found by the delete scan although every page is held.
    await sql`update users set name = name where id = (select min(id) from users)`.execute(database.db);
    await sql`insert into departments (id, name, raw, _hash, _record_id, _source_hash, _row_count)
      values (99999999, 'Not in Betterworks', '{}', '-', 99999999, '-', 1)`.execute(database.db);
    const results = await syncAll();
    const users = results.get('users')!;
    const departments = results.get('departments')!;
    expect({
      users: users.pages - users.pagesUnchanged,
      departments: departments.pages - departments.pagesUnchanged,
      deleted: departments.deleted,
    }).toEqual({ users: 1, departments: 0, deleted: 1 });
    await expectWarehouseEqualsTruth(database, await fetchTruth(sim.origin));
  });

  it('does not settle a pass during which someone else wrote to the tables', async () => {
    await syncAll();
    await syncAll();
    const users = findResource('users')!;
    const context = syncContextFor(sim.baseUrl, database.url, 'sim_super_admin', {
      BETTERWORKS_PAGE_SIZE: '20',
    });
    // Another session writes a users row once the pass has begun, and commits while it runs (or, if the
    // pass reaches its end first, makes the end wait for the commit).
    const other = await database.pool.connect();
    const { promise: written, resolve } = Promise.withResolvers<unknown>();
    let started = false;
    const run = runSync(users, context.deps, {
      trigger: 'test',
      onProgress: () => {
        if (started) return;
        started = true;
        resolve(
          other
            .query('begin')
            .then(() => other.query('update users set name = name where id = (select min(id) from users)')),
        );
      },
    });
    await written;
    await other.query('commit');
    other.release();
    const result = await run;
    await context.close();
    expect({
      written: result.inserted + result.updated + result.deleted,
      held: result.pagesUnchanged,
    }).toEqual({
      written: 0,
      held: result.pages,
    });
    const state = await database.db
      .selectFrom('sync_state')
      .select('settled_generation')
      .where('resource', '=', 'users')
      .executeTakeFirstOrThrow();
    expect(state.settled_generation).toBeNull();
  });
});

describe('sync engine: keys, rejects and locks', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase();
  });
  afterAll(() => database.drop());

  it('records forbidden resources and syncs the rest with an ordinary user key', async () => {
    const sim = await startSimulator({ port: 0, seed: 2, scale: 0.05 });
    const context = syncContextFor(sim.baseUrl, database.url, 'sim_user');
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 3 });
    await context.close();
    await sim.stop();
    expect(summary.status).toBe('partial');
    const forbidden = summary.results.filter((r) => r.status === 'forbidden').map((r) => r.resource);
    expect(forbidden).toEqual(resources.filter((r) => r.access === 'admin').map((r) => r.name));
    expect(summary.results.filter((r) => r.status === 'ok')).toHaveLength(
      resources.length - forbidden.length,
    );
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['resource', 'status', 'error_code'])
      .where('status', '=', 'forbidden')
      .execute();
    expect(runs.map((r) => r.error_code)).toEqual(forbidden.map(() => 'BW_FORBIDDEN'));
  });

  it('stops every resource at once when the key is rejected, and reconciles nothing', async () => {
    const sim = await startSimulator({ port: 0, seed: 2, scale: 0.05 });
    const before = await liveCount(database, 'users');
    const context = syncContextFor(sim.baseUrl, database.url, 'sim_revoked');
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 3 });
    await context.close();
    expect(summary.status).toBe('failed');
    expect(summary.results.every((r) => r.status === 'failed' && r.errorCode === 'BW_KEY_REJECTED')).toBe(
      true,
    );
    expect(summary.results[0]?.errorMessage).toContain('Admin → Platform Configuration → Betterworks API');
    expect(sim.stats.byStatus['401']).toBeLessThanOrEqual(3);
    expect(await liveCount(database, 'users')).toBe(before);
    await sim.stop();
  });

  it('loads valid records exactly and quarantines malformed ones with their reasons', async () => {
    const sim = await startSimulator({ port: 0, seed: 8, scale: 0.1, malformedRate: 0.2 });
    const names = ['users', 'goals', 'recognitions', 'conversations'];
    const context = syncContextFor(sim.baseUrl, database.url);
    const summary = await syncResources(
      names.map((n) => findResource(n)!),
      context.deps,
      { trigger: 'test', concurrency: 2 },
    );
    await context.close();
    expect(summary.status).toBe('ok');
    const truth = await fetchTruth(sim.origin);
    await expectWarehouseEqualsTruth(database, truth, names);
    for (const name of names) {
      const rejects = await database.db
        .selectFrom('sync_rejects')
        .selectAll()
        .where('resource', '=', name)
        .execute();
      expect(rejects.length, name).toBe(truth[name]!.rejects);
      expect(rejects.every((r) => r.reason.length > 0 && Array.isArray(r.issues) && r.raw !== null)).toBe(
        true,
      );
      expect(summary.results.find((r) => r.resource === name)?.rejected).toBe(truth[name]!.rejects);
    }
    let nulRecords = 0;
    for (const name of ['users', 'recognitions', 'conversations']) {
      const resource = findResource(name)!;
      const expected = Array.from({ length: sim.dataset.liveCount(resource) }, (_, i) =>
        sim.dataset.malformation(resource, i),
      ).filter((kind) => kind === 'nul').length;
      const cleaned = await sql<{
        n: number;
      }>`select count(*)::int as n from ${sql.table(name)} where _cleaned`.execute(database.db);
      expect(cleaned.rows[0]!.n, name).toBe(expected);
      nulRecords += expected;
    }
    expect(nulRecords).toBeGreaterThan(0);
    const sqlText = await sql<{
      n: number;
    }>`select count(*)::int as n from users where raw->'x_added_later'->>'sql' = ${"'); DROP TABLE users; --"}`.execute(
      database.db,
    );
    expect(sqlText.rows[0]!.n).toBeGreaterThan(0);
    await sim.stop();
  });

  it('lets one run per resource write at a time: a second waits for the lock, or gives up with a clear message', async () => {
    const sim = await startSimulator({ port: 0, seed: 3, scale: 0.05 });
    const users = findResource('users')!;
    // Another process's run, as far as Postgres can tell: the same advisory lock on another connection.
    const holder = await database.pool.connect();
    await holder.query("select pg_advisory_lock(hashtext('bwsync:users'))");
    const impatient = syncContextFor(sim.baseUrl, database.url, 'sim_super_admin', {
      SYNC_LOCK_TIMEOUT_MS: '300',
    });
    const blocked = await runSync(users, impatient.deps, { trigger: 'test' });
    expect(blocked.status).toBe('failed');
    expect(blocked.errorCode).toBe('SYNC_LOCKED');
    expect(blocked.errorMessage).toMatchInlineSnapshot(
      `"another sync of users is running (waited 300 ms for its lock); wait for it to finish, or raise SYNC_LOCK_TIMEOUT_MS"`,
    );
    expect(blocked.runId).toBeNull();

    const patient = syncContextFor(sim.baseUrl, database.url, 'sim_super_admin', {
      SYNC_LOCK_TIMEOUT_MS: '10000',
    });
    const waiting = runSync(users, patient.deps, { trigger: 'test-lock', allowMassDelete: true });
    await new Promise((resolve) => setTimeout(resolve, 400));
    const runsWhileLocked = await database.db
      .selectFrom('sync_runs')
      .select('id')
      .where('trigger', '=', 'test-lock')
      .execute();
    await holder.query("select pg_advisory_unlock(hashtext('bwsync:users'))");
    holder.release();
    expect(runsWhileLocked).toHaveLength(0);
    expect((await waiting).status).toBe('ok');
    // The run gives its connection back to the pool unlocked, with the server's commit setting.
    const pool = patient.deps.pool;
    const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
    const settings = await Promise.all(clients.map((client) => client.query('show synchronous_commit')));
    expect(settings.map((result) => result.rows[0].synchronous_commit)).toEqual(clients.map(() => 'on'));
    const locks = await clients[0]!.query(`select count(*)::int as n from pg_locks where locktype = 'advisory'
      and database = (select oid from pg_database where datname = current_database())`);
    expect(locks.rows[0].n).toBe(0);
    for (const client of clients) client.release();
    await impatient.close();
    await patient.close();
    await sim.stop();
  });
});
