/**
 * Reliability scenarios for the engine and the CLI: dropped database connections, 5xx/timeouts/drops,
 * a key revoked mid-run, a non-admin key, hostile data, a next-page URL to another host, two processes.
 * Each prints its figures and fails on any difference; each also searches for the token everywhere.
 */
import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { findResource, resources } from '../../src/betterworks/resources/registry.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { syncResources } from '../../src/sync/sync-resources.ts';
import { CLI } from '../helpers/cli.ts';
import { startTestServer } from '../helpers/http-server.ts';
import { syncContextFor } from '../helpers/sync.ts';
import { until } from '../helpers/worker.ts';
import {
  addSecretKey,
  compareWithTruth,
  expectExact,
  expectNoLeak,
  report,
  revokeKey,
  truthFor,
  useScenarioResources,
} from './harness.ts';

const { setup, cleanups } = useScenarioResources();

describe('reliability: the engine under faults', () => {
  it('[2] Postgres connections killed mid-run: the run reconnects, resumes and ends exact', async () => {
    const { sim, database } = await setup({ seed: 52, scale: 0.5, latencyMs: 30 });
    const token = await addSecretKey(sim);
    const context = syncContextFor(sim.baseUrl, database.url, token, {
      SYNC_BATCH_ROWS: '20',
      BETTERWORKS_PAGE_SIZE: '10',
    });
    const started = Date.now();
    const running = runSync(findResource('users')!, context.deps, { trigger: 'test' });
    await until(async () => {
      const state = await database.db.selectFrom('sync_state').select('checkpoint').executeTakeFirst();
      return (state?.checkpoint?.pages ?? 0) >= 4;
    });
    const killedAt = Date.now();
    const killed = await sql<{
      n: number;
    }>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and application_name = 'bwsync-sync'`.execute(
      database.db,
    );
    const result = await running;
    await context.close();
    const comparison = await compareWithTruth(database, sim, token, ['users']);
    const totalPages = Math.ceil(comparison.expected / 10);
    report(2, 'pg_terminate_backend mid-run', {
      backendsKilled: killed.rows[0]?.n,
      status: result.status,
      ...comparison,
      pagesFetched: sim.stats.requests,
      pagesNeeded: totalPages,
      recoverMs: Date.now() - killedAt,
      totalMs: Date.now() - started,
    });
    expect(killed.rows[0]?.n).toBeGreaterThan(0);
    expect(result.status).toBe('ok');
    expect(context.logLines.join('')).toContain('database connection lost');
    expectExact(comparison);
    // Fetched again at most what was in flight: the batch being written (2 pages), the two read ahead
    // (2 pages each) and the page requested ahead.
    expect(sim.stats.requests - totalPages).toBeLessThanOrEqual(3 * 2 + 1);
    await expectNoLeak(2, token, { texts: context.logLines, database });
  });

  it('[5] 5xx bursts, timeouts and dropped connections: retried with backoff, exact result', async () => {
    const { sim, database } = await setup({ seed: 55, scale: 0.1, faultRate: 0.25 });
    const token = await addSecretKey(sim);
    const context = syncContextFor(sim.baseUrl, database.url, token, {
      BETTERWORKS_TIMEOUT_MS: '400',
      BETTERWORKS_MAX_RETRIES: '8',
    });
    const started = Date.now();
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    const comparison = await compareWithTruth(database, sim, token);
    const retries = summary.results.reduce((n, r) => n + r.http.retries, 0);
    report(5, '5xx, timeouts and drops', {
      status: summary.status,
      ...comparison,
      retries,
      http500: sim.stats.byStatus['500'] ?? 0,
      http502: sim.stats.byStatus['502'] ?? 0,
      http503: sim.stats.byStatus['503'] ?? 0,
      dropped: sim.stats.dropped,
      hung: sim.stats.hung,
      ms: Date.now() - started,
    });
    expect(summary.status).toBe('ok');
    expect(sim.stats.dropped).toBeGreaterThan(0);
    expect(sim.stats.hung).toBeGreaterThan(0);
    expect(retries).toBeGreaterThanOrEqual(sim.stats.dropped + sim.stats.hung);
    expectExact(comparison);
    await expectNoLeak(5, token, { texts: context.logLines, database });
  });

  it('[6] the key revoked mid-run: stops within one request, no retry loop, nothing reconciled, checkpoints at committed rows', async () => {
    const { sim, database } = await setup({ seed: 56, scale: 0.3, latencyMs: 40 });
    const token = await addSecretKey(sim);
    const context = syncContextFor(sim.baseUrl, database.url, token, {
      SYNC_BATCH_ROWS: '20',
      BETTERWORKS_PAGE_SIZE: '10',
    });
    const running = syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await until(async () => {
      const states = await database.db.selectFrom('sync_state').select('checkpoint').execute();
      return states.some((s) => (s.checkpoint?.pages ?? 0) >= 2);
    });
    await revokeKey(sim, token);
    const requestsAtRevoke = sim.stats.requests;
    const summary = await running;
    await context.close();
    const rejected = summary.results.filter((r) => r.errorCode === 'BW_KEY_REJECTED');
    const runs = await database.db.selectFrom('sync_runs').selectAll().execute();
    const states = await database.db.selectFrom('sync_state').selectAll().execute();
    const deleted = await sql<{
      n: number;
    }>`select count(*)::int as n from users where _deleted_at is not null`.execute(database.db);
    report(6, 'key revoked mid-run', {
      resourcesStopped: rejected.length,
      resourcesFinishedBefore: summary.results.filter((r) => r.status === 'ok').length,
      http401: sim.stats.byStatus['401'] ?? 0,
      requestsAfterRevoke: sim.stats.requests - requestsAtRevoke,
      rowsDeleted: deleted.rows[0]?.n,
    });
    expect(summary.status).toBe('failed');
    expect(summary.results.every((r) => r.status === 'ok' || r.errorCode === 'BW_KEY_REJECTED')).toBe(true);
    expect(rejected.length).toBeGreaterThan(0);
    expect(rejected[0]?.errorMessage).toContain('Admin → Platform Configuration → Betterworks API');
    // Only requests already in flight (BETTERWORKS_MAX_IN_FLIGHT, 4 here) may also meet the 401: no retry
    // loop, and no request starts after the first 401 has come back.
    expect(sim.stats.byStatus['401']).toBeLessThanOrEqual(4);
    expect(sim.stats.requests - requestsAtRevoke).toBeLessThanOrEqual(4);
    expect(deleted.rows[0]?.n).toBe(0);
    for (const run of runs.filter((r) => r.status === 'failed')) {
      const state = states.find((s) => s.resource === run.resource);
      expect(state?.last_complete_run_id ?? null, run.resource).toBeNull();
      expect(state?.checkpoint?.pages ?? 0, run.resource).toBe(run.pages);
    }
    await expectNoLeak(6, token, {
      texts: [...context.logLines, JSON.stringify(summary.results.map((r) => r.errorMessage))],
      database,
    });
  });

  it('[7] a non-admin key: forbidden resources recorded, the others exact, status partial', async () => {
    const { sim, database } = await setup({ seed: 57, scale: 0.1 });
    const token = await addSecretKey(sim, 'user');
    const context = syncContextFor(sim.baseUrl, database.url, token);
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    const comparison = await compareWithTruth(database, sim, token);
    const truth = await truthFor(sim, token);
    const forbidden = summary.results.filter((r) => r.status === 'forbidden').map((r) => r.resource);
    report(7, 'non-admin key', { status: summary.status, forbidden, ...comparison });
    expect(summary.status).toBe('partial');
    expect(forbidden).toEqual(Object.keys(truth).filter((name) => truth[name]?.forbidden));
    expect(forbidden.length).toBeGreaterThan(0);
    expectExact(comparison);
    await expectNoLeak(7, token, { texts: context.logLines, database });
  });

  it('[8] hostile data: valid rows exact, invalid ones quarantined with reasons, nothing executed', async () => {
    const { sim, database } = await setup({ seed: 58, scale: 0.1, malformedRate: 0.3 });
    const token = await addSecretKey(sim);
    const context = syncContextFor(sim.baseUrl, database.url, token);
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    const comparison = await compareWithTruth(database, sim, token);
    const truth = await truthFor(sim, token);
    const expectedRejects = Object.values(truth).reduce((n, t) => n + (t.rejects ?? 0), 0);
    const rejects = await database.db
      .selectFrom('sync_rejects')
      .select(['reason', 'issues', 'raw'])
      .execute();
    const cleaned = await sql<{ n: number }>`select count(*)::int as n from users where _cleaned`.execute(
      database.db,
    );
    const sqlText = await sql<{
      n: number;
    }>`select count(*)::int as n from users where raw::text like ${"%'); DROP TABLE users; --%"}`.execute(
      database.db,
    );
    const rtl = await sql<{
      n: number;
    }>`select count(*)::int as n from goals where raw->'x_added_later'->>'rtl' = 'مرحبا بالعالم' and raw->'x_added_later'->>'emoji' = '🎯🚀'`.execute(
      database.db,
    );
    const huge = await sql<{
      n: number;
    }>`select count(*)::int as n from users where length(raw->>'huge_note') > 100000`.execute(database.db);
    report(8, 'hostile data', {
      status: summary.status,
      ...comparison,
      rejectsExpected: expectedRejects,
      rejectsFound: rejects.length,
      nulCleanedUsers: cleaned.rows[0]?.n,
      sqlTextStoredVerbatim: sqlText.rows[0]?.n,
      emojiRtlGoals: rtl.rows[0]?.n,
      hugeStrings: huge.rows[0]?.n,
    });
    expect(summary.status).toBe('ok');
    expectExact(comparison);
    expect(rejects.length).toBe(expectedRejects);
    expect(rejects.every((r) => r.reason.length > 0 && Array.isArray(r.issues) && r.raw !== null)).toBe(true);
    expect(cleaned.rows[0]?.n).toBeGreaterThan(0);
    expect(sqlText.rows[0]?.n).toBeGreaterThan(0);
    expect(rtl.rows[0]?.n).toBeGreaterThan(0);
    expect(huge.rows[0]?.n).toBeGreaterThan(0);
    await expectNoLeak(8, token, { texts: context.logLines, database });
  });

  it('[9] a next-page URL pointing at another host: refused, and the token never arrives there', async () => {
    const listener = await startTestServer((_req, res) => res.end('{}'));
    const { sim, database } = await setup({
      seed: 59,
      scale: 0.1,
      foreignNextOrigin: { origin: listener.origin, resources: ['users', 'goals'] },
    });
    cleanups.push(() => listener.stop());
    const token = await addSecretKey(sim);
    const context = syncContextFor(sim.baseUrl, database.url, token, { BETTERWORKS_PAGE_SIZE: '10' });
    const summary = await syncResources(resources, context.deps, { trigger: 'test', concurrency: 4 });
    await context.close();
    const refused = summary.results.filter((r) => r.errorCode === 'BW_CROSS_ORIGIN').map((r) => r.resource);
    const others = resources.map((r) => r.name).filter((name) => !refused.includes(name));
    const comparison = await compareWithTruth(database, sim, token, others);
    report(9, 'foreign next-page URL', {
      refused,
      requestsAtForeignHost: listener.requests.length,
      ...comparison,
    });
    expect(refused).toEqual(['users', 'goals']);
    expect(listener.requests).toHaveLength(0);
    expectExact(comparison);
    await expectNoLeak(9, token, {
      texts: [...context.logLines, JSON.stringify(listener.requests)],
      database,
    });
  });
});

describe('reliability: processes', () => {
  it('[11] two bwsync sync processes for one resource: one waits, no double writes, exact', async () => {
    const { sim, database } = await setup({ seed: 61, scale: 0.2, latencyMs: 60 });
    const token = await addSecretKey(sim);
    const env = {
      BETTERWORKS_BASE_URL: sim.baseUrl,
      BETTERWORKS_API_TOKEN: token,
      DATABASE_URL: database.url,
      BETTERWORKS_RATE_LIMIT_RPS: '500',
      BETTERWORKS_PAGE_SIZE: '10',
      SYNC_LOCK_TIMEOUT_MS: '60000',
    };
    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, [CLI, 'sync', 'users', '--json'], {
          env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
        });
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
        });
        child.stderr.on('data', (c) => {
          out += c;
        });
        child.on('close', (code) => resolve({ code, out }));
      });
    const [a, b] = await Promise.all([run(), run()]);
    const runs = await database.db.selectFrom('sync_runs').selectAll().orderBy('started_at').execute();
    const [first, second] = runs;
    const overlap = first && second && first.finished_at && second.started_at < first.finished_at;
    const comparison = await compareWithTruth(database, sim, token, ['users']);
    report(11, 'two sync processes at once', {
      exitCodes: [a.code, b.code],
      runs: runs.length,
      overlapping: Boolean(overlap),
      secondWaitedMs:
        first?.finished_at && second ? second.started_at.getTime() - first.started_at.getTime() : null,
      secondRunWrites: second
        ? Number(second.rows_inserted) + Number(second.rows_updated) + Number(second.rows_deleted)
        : null,
      ...comparison,
    });
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(runs).toHaveLength(2);
    expect(overlap).toBe(false);
    expect(Number(second?.rows_inserted) + Number(second?.rows_updated)).toBe(0);
    expectExact(comparison);
    await expectNoLeak(11, token, { texts: [a.out, b.out], database });
  });
});
