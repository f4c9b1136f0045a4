import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/betterworks/resources/registry.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { CLI, runCli } from '../helpers/cli.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { fetchTruth } from '../helpers/sync.ts';

describe('bwsync sync and runs', () => {
  let sim: Simulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 12, scale: 0.05 });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  const env = (token: string, extra: Record<string, string> = {}) => ({
    BETTERWORKS_BASE_URL: sim.baseUrl,
    BETTERWORKS_API_TOKEN: token,
    BETTERWORKS_RATE_LIMIT_RPS: '500',
    DATABASE_URL: database.url,
    ...extra,
  });

  it('exits 0 and prints the summary as JSON', async () => {
    const result = await runCli(['sync', '--json'], env('sim_super_admin'));
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as { status: string; resources: Record<string, unknown>[] };
    expect(summary.status).toBe('ok');
    expect(summary.resources.map((r) => r.resource)).toEqual(resources.map((r) => r.name));
    for (const entry of summary.resources) {
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining([
          'resource',
          'status',
          'seen',
          'inserted',
          'updated',
          'unchanged',
          'deleted',
          'rejected',
          'durationMs',
        ]),
      );
    }
  });

  it('exits 3 with an ordinary user key and lists the forbidden resources', async () => {
    const result = await runCli(['sync'], env('sim_user'));
    expect(result.code).toBe(3);
    const forbidden = resources.filter((r) => r.access === 'admin').map((r) => r.name);
    expect(result.stdout).toContain(`Forbidden to this key: ${forbidden.join(', ')}.`);
    expect(result.stdout).toContain('Overall: partial');
  });

  it('exits 1 with the key-rejected message with a revoked key', async () => {
    const result = await runCli(['sync', 'users', 'goals'], env('sim_revoked'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Betterworks rejected the API key');
    expect(result.stdout).toContain('Admin → Platform Configuration → Betterworks API');
    expect(result.stdout + result.stderr).not.toContain('sim_revoked');
  });

  it('lists recent runs, filtered by resource', async () => {
    const result = await runCli(
      ['runs', '--resource', 'users', '--limit', '2', '--json'],
      env('sim_super_admin'),
    );
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { resource: string; status: string }[];
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.resource === 'users')).toBe(true);
    expect(rows.map((r) => r.status)).toEqual(['failed', 'ok']);
    const text = await runCli(['runs'], env('sim_super_admin'));
    expect(text.stdout).toMatch(/^id\s+resource\s+trigger/);
  });

  it('refuses an unknown resource with exit code 2', async () => {
    const result = await runCli(['sync', 'goalz'], env('sim_super_admin'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^bwsync: unknown resource goalz; expected one of users, /);
  });
});

describe('a sync killed with SIGKILL', () => {
  it('resumes from its checkpoint on the next start, ends exact, and fetches again at most the batches in flight', async () => {
    const sim = await startSimulator({ port: 0, seed: 31, scale: 0.5, latencyMs: 25 });
    const database = await freshDatabase();
    const batchPages = 2;
    const env = {
      BETTERWORKS_BASE_URL: sim.baseUrl,
      BETTERWORKS_API_TOKEN: 'sim_super_admin',
      BETTERWORKS_RATE_LIMIT_RPS: '500',
      DATABASE_URL: database.url,
      SYNC_BATCH_ROWS: String(30 * batchPages),
    };
    const child = spawn(process.execPath, [CLI, 'sync', 'goals'], {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    for (;;) {
      const state = await database.db
        .selectFrom('sync_state')
        .select('checkpoint')
        .where('resource', '=', 'goals')
        .executeTakeFirst();
      if ((state?.checkpoint?.pages ?? 0) >= 4) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const requestsBeforeKill = sim.stats.requests;
    const saved = await database.db
      .selectFrom('sync_state')
      .select('checkpoint')
      .where('resource', '=', 'goals')
      .executeTakeFirstOrThrow();
    const committedPages = saved.checkpoint?.pages ?? 0;
    const killed = await database.db
      .selectFrom('sync_runs')
      .select(['status', 'finished_at'])
      .executeTakeFirstOrThrow();
    expect(killed).toEqual({ status: 'running', finished_at: null });

    const resumed = await runCli(['sync', 'goals', '--json'], env);
    expect(resumed.code).toBe(0);
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['mode', 'status', 'pages'])
      .orderBy('id')
      .execute();
    expect(runs.map((r) => r.mode)).toEqual(['full', 'resume']);
    expect(runs[1]?.status).toBe('ok');

    const interrupted = await database.db
      .selectFrom('sync_runs')
      .select(['status', 'error_code'])
      .orderBy('id')
      .executeTakeFirstOrThrow();
    expect(interrupted).toEqual({ status: 'failed', error_code: 'RUN_INTERRUPTED' });
    const totalPages = Math.ceil(sim.dataset.liveCount(resources.find((r) => r.name === 'goals')!) / 30);
    const refetched = requestsBeforeKill - committedPages;
    console.log(
      `killed after ${requestsBeforeKill} pages with ${committedPages} committed; fetched again: ${refetched} (batch: ${batchPages} pages, total ${totalPages})`,
    );
    expect(sim.stats.requests - requestsBeforeKill).toBe(totalPages - committedPages);
    // In flight at the kill: the batch being written, the two read ahead, and one page requested ahead.
    expect(refetched).toBeLessThanOrEqual(3 * batchPages + 1);

    const truth = await fetchTruth(sim.origin);
    const ids = await sql<{ id: number }>`select id from goals where _deleted_at is null order by id`.execute(
      database.db,
    );
    expect(ids.rows.map((r) => Number(r.id))).toEqual(truth.goals!.ids);
    const duplicates = await sql<{
      n: number;
    }>`select count(*)::int as n from (select id from goals group by id having count(*) > 1) d`.execute(
      database.db,
    );
    expect(duplicates.rows[0]?.n).toBe(0);
    await database.drop();
    await sim.stop();
  });
});
