/**
 * Reliability scenarios for the worker: killed with SIGKILL, Redis restarted, a 429 storm, and a source
 * that suddenly returns half its records. Each prints its figures, fails on any difference, and searches
 * for the token in worker output, webhook bodies, every table and every Redis value of its queue.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { connectProducer } from '../../jobs/connection.ts';
import { createSyncQueue } from '../../jobs/queue.ts';
import { listSchedules } from '../../jobs/schedules.ts';
import { findResource } from '../../src/betterworks/resources/registry.ts';
import { runCli } from '../helpers/cli.ts';
import { json, startTestServer } from '../helpers/http-server.ts';
import { mutate } from '../helpers/sync.ts';
import { clearPrefix, REDIS_URL, spawnWorker, until, workerEnv } from '../helpers/worker.ts';
import {
  addSecretKey,
  compareWithTruth,
  expectExact,
  expectNoLeak,
  freePort,
  report,
  useScenarioResources,
} from './harness.ts';

const { setup, cleanups } = useScenarioResources();

function stopWorker(worker: ReturnType<typeof spawnWorker>): Promise<number | null> {
  if (worker.process.exitCode === null) worker.process.kill('SIGTERM');
  return worker.exited;
}

describe('reliability: the worker', () => {
  it('[1] a worker killed with SIGKILL mid-sync: the restarted worker resumes from the checkpoint, exact, at most the batches in flight fetched again', async () => {
    const { sim, database } = await setup({ seed: 71, scale: 0.5, latencyMs: 40 });
    const token = await addSecretKey(sim);
    const batchPages = 2;
    const env = workerEnv(sim.baseUrl, database.url, {
      BETTERWORKS_API_TOKEN: token,
      SYNC_BATCH_ROWS: String(30 * batchPages),
      WORKER_LOCK_DURATION_MS: '2000',
    });
    cleanups.push(() => clearPrefix(env.QUEUE_PREFIX as string));
    const first = spawnWorker(env);
    await first.ready;
    await runCli(['backfill', 'goals'], env);
    await until(async () => {
      const state = await database.db
        .selectFrom('sync_state')
        .select('checkpoint')
        .where('resource', '=', 'goals')
        .executeTakeFirst();
      return (state?.checkpoint?.pages ?? 0) >= 4;
    });
    first.process.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const requestsBeforeKill = sim.stats.requests;
    const committed =
      (
        await database.db
          .selectFrom('sync_state')
          .select('checkpoint')
          .where('resource', '=', 'goals')
          .executeTakeFirstOrThrow()
      ).checkpoint?.pages ?? 0;

    const second = spawnWorker(env);
    cleanups.push(async () => void (await stopWorker(second)));
    await second.ready;
    await until(
      async () =>
        database.db.selectFrom('sync_runs').select('id').where('status', '=', 'ok').executeTakeFirst(),
      60_000,
      'the resumed run',
    );
    const recoverMs = Date.now() - killedAt;
    await stopWorker(second);
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['mode', 'status', 'error_code', 'job_id'])
      .orderBy('id')
      .execute();
    const comparison = await compareWithTruth(database, sim, token, ['goals']);
    const totalPages = Math.ceil(sim.dataset.liveCount(findGoals()) / 30);
    const refetched = requestsBeforeKill - committed;
    report(1, 'worker SIGKILL mid-sync', {
      pagesBeforeKill: requestsBeforeKill,
      committedPages: committed,
      fetchedAgain: refetched,
      batchPages,
      totalPages,
      runs: runs.map((r) => `${r.mode}:${r.status}`),
      recoverMs,
      ...comparison,
    });
    expect(runs.map((r) => [r.mode, r.status, r.error_code])).toEqual([
      ['full', 'failed', 'RUN_INTERRUPTED'],
      ['resume', 'ok', null],
    ]);
    expect(runs[0]?.job_id).toBe(runs[1]?.job_id);
    expect(sim.stats.requests - requestsBeforeKill).toBe(totalPages - committed);
    // In flight at the kill: the batch being written, the two read ahead, and one page requested ahead.
    expect(refetched).toBeLessThanOrEqual(3 * batchPages + 1);
    expectExact(comparison);
    await expectNoLeak(1, token, {
      texts: [first.output(), second.output()],
      database,
      redis: { url: REDIS_URL, prefix: env.QUEUE_PREFIX as string },
    });
  });

  it('[3] Redis restarted mid-run: the worker reconnects, schedules survive, no run lost or doubled', async () => {
    const port = await freePort();
    const dir = mkdtempSync(path.join(tmpdir(), 'bwsync-redis-'));
    const startRedis = (): ChildProcess =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--appendonly',
          'yes',
          '--save',
          '',
          '--maxmemory-policy',
          'noeviction',
        ],
        { stdio: 'ignore' },
      );
    const redisUrl = `redis://127.0.0.1:${port}`;
    const ping = async () => {
      const probe = new Redis(redisUrl, {
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    };
    let redis = startRedis();
    cleanups.push(async () => {
      redis.kill('SIGKILL');
    });
    await until(ping, 10_000, 'the test Redis');

    const { sim, database } = await setup({ seed: 73, scale: 0.3, latencyMs: 60 });
    const token = await addSecretKey(sim);
    const env = workerEnv(sim.baseUrl, database.url, {
      BETTERWORKS_API_TOKEN: token,
      REDIS_URL: redisUrl,
      SCHEDULE_CRON: '0 2 * * *',
      SYNC_BATCH_ROWS: '20',
      BETTERWORKS_PAGE_SIZE: '10',
    });
    const worker = spawnWorker(env);
    cleanups.push(async () => void (await stopWorker(worker)));
    await worker.ready;
    const enqueued = await runCli(['backfill', 'users'], env);
    const jobId = /backfill:users:\d+/.exec(enqueued.stdout)?.[0];
    await until(
      async () => database.db.selectFrom('sync_runs').select('id').executeTakeFirst(),
      20_000,
      'the run to start',
    );

    const downAt = Date.now();
    await new Promise<void>((resolve) => {
      redis.once('exit', () => resolve());
      redis.kill('SIGTERM');
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    redis = startRedis();
    await until(ping, 10_000, 'Redis to come back');
    const upAt = Date.now();
    await until(
      async () =>
        database.db.selectFrom('sync_runs').select('id').where('status', '=', 'ok').executeTakeFirst(),
      60_000,
      'the run to finish',
    );
    const redisProducer = await connectProducer(redisUrl);
    const queue = createSyncQueue(redisProducer, env.QUEUE_PREFIX as string);
    const schedules = await listSchedules(queue);
    const state = await until(
      async () => {
        const current = jobId ? await (await queue.getJob(jobId))?.getState() : undefined;
        return current === 'completed' || current === 'failed' ? current : undefined;
      },
      20_000,
      'the job to complete',
    );
    await queue.close();
    redisProducer.disconnect();
    const runs = await database.db.selectFrom('sync_runs').select(['status', 'job_id', 'mode']).execute();
    const comparison = await compareWithTruth(database, sim, token, ['users']);
    report(3, 'Redis restarted mid-run', {
      redisDownMs: upAt - downAt,
      schedulesAfter: schedules.length,
      jobState: state,
      runs: runs.map((r) => `${r.mode}:${r.status}`),
      okRunsForJob: runs.filter((r) => r.job_id === jobId && r.status === 'ok').length,
      ...comparison,
    });
    expect(schedules).toHaveLength(13);
    expect(runs.filter((r) => r.job_id === jobId && r.status === 'ok')).toHaveLength(1);
    expect(state).toBe('completed');
    expectExact(comparison);
    expect(worker.process.exitCode).toBeNull();
    await stopWorker(worker);
    await expectNoLeak(3, token, {
      texts: [worker.output()],
      database,
      redis: { url: redisUrl, prefix: env.QUEUE_PREFIX as string },
    });
  });

  it('[4] a 429 storm with Retry-After: the sync slows to the limit and completes, spending no attempt', async () => {
    const { sim, database } = await setup({ seed: 74, scale: 0.3, rateLimitRps: 4 });
    const token = await addSecretKey(sim);
    const env = workerEnv(sim.baseUrl, database.url, {
      BETTERWORKS_API_TOKEN: token,
      BETTERWORKS_RATE_LIMIT_RPS: '40',
      BETTERWORKS_PAGE_SIZE: '10',
      // A Retry-After above this ends the request, so the queue-level rate limit is exercised too.
      BETTERWORKS_RETRY_MAX_WAIT_MS: '500',
      JOB_ATTEMPTS: '1',
    });
    cleanups.push(() => clearPrefix(env.QUEUE_PREFIX as string));
    const worker = spawnWorker(env);
    cleanups.push(async () => void (await stopWorker(worker)));
    await worker.ready;
    const started = Date.now();
    const result = await runCli(['backfill', 'users', '--wait', '--json'], env, 150_000);
    const seconds = (Date.now() - started) / 1000;
    await stopWorker(worker);
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['status', 'http_429s', 'http_requests', 'mode'])
      .execute();
    const comparison = await compareWithTruth(database, sim, token, ['users']);
    const served = sim.stats.byStatus['200'] ?? 0;
    report(4, '429 storm', {
      exit: result.code,
      throttled: sim.stats.throttled,
      recorded429s: runs.reduce((n, r) => n + r.http_429s, 0),
      runs: runs.map((r) => `${r.mode}:${r.status}`),
      attemptsAllowed: 1,
      servedPerSecond: (served / seconds).toFixed(2),
      limitPerSecond: 4,
      seconds: seconds.toFixed(1),
      ...comparison,
    });
    expect(result.code).toBe(0);
    expect(sim.stats.throttled).toBeGreaterThan(0);
    expect(runs.at(-1)?.status).toBe('ok');
    expect(runs.slice(0, -1).every((r) => r.status === 'partial')).toBe(true);
    expect(worker.output()).toContain('pausing the queue and retrying without spending an attempt');
    // One attempt allowed: had throttling spent it, the job would have failed.
    expect(JSON.parse(result.stdout).status).toBe('ok');
    expectExact(comparison);
    await expectNoLeak(4, token, {
      texts: [worker.output(), result.stdout, result.stderr],
      database,
      redis: { url: REDIS_URL, prefix: env.QUEUE_PREFIX as string },
    });
  });

  it('[10] a source that suddenly returns half its records: the delete guard refuses and an alert is sent', async () => {
    const alerts: Record<string, unknown>[] = [];
    const hook = await startTestServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        alerts.push(JSON.parse(body));
        json(res, 200, {});
      });
    });
    cleanups.push(() => hook.stop());
    const { sim, database } = await setup({ seed: 80, scale: 0.3 });
    const token = await addSecretKey(sim);
    const env = workerEnv(sim.baseUrl, database.url, {
      BETTERWORKS_API_TOKEN: token,
      ALERT_WEBHOOK_URL: `${hook.origin}/alerts`,
    });
    cleanups.push(() => clearPrefix(env.QUEUE_PREFIX as string));
    const worker = spawnWorker(env);
    cleanups.push(async () => void (await stopWorker(worker)));
    await worker.ready;
    expect((await runCli(['backfill', 'users', '--wait'], env)).code).toBe(0);
    const before = await compareWithTruth(database, sim, token, ['users']);
    const mutated = await mutate(sim.origin, { seed: 3, deletes: { users: 0.5 } });
    const second = await runCli(['backfill', 'users', '--wait'], env);
    await until(async () => alerts.length > 0, 10_000, 'the alert');
    await stopWorker(worker);
    const live = (
      await sql<{ id: number }>`select id from users where _deleted_at is null`.execute(database.db)
    ).rows;
    const run = await database.db
      .selectFrom('sync_runs')
      .select(['status', 'delete_refused', 'rows_deleted'])
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    report(10, 'half the records vanish', {
      liveBefore: before.found,
      vanishedAtSource: mutated.users?.deleted.length,
      liveAfter: live.length,
      runStatus: run.status,
      deleteRefused: run.delete_refused,
      exit: second.code,
      alerts: alerts.map((a) => a.event),
    });
    expect(second.code).toBe(3);
    expect(second.stdout).toContain('bwsync sync users --allow-deletes');
    expect(run).toEqual({ status: 'partial', delete_refused: true, rows_deleted: 0 });
    expect(live).toHaveLength(before.found);
    expect(alerts[0]).toMatchObject({ event: 'delete_refused', resource: 'users' });
    await expectNoLeak(10, token, {
      texts: [worker.output(), second.stdout, JSON.stringify(alerts)],
      database,
      redis: { url: REDIS_URL, prefix: env.QUEUE_PREFIX as string },
    });
  });
});

function findGoals() {
  const goals = findResource('goals');
  if (!goals) throw new Error('goals resource missing');
  return goals;
}
