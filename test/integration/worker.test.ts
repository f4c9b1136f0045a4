import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectProducer } from '../../jobs/connection.ts';
import { createSyncQueue } from '../../jobs/queue.ts';
import { listSchedules } from '../../jobs/schedules.ts';
import { type RunningWorker, startWorker } from '../../jobs/worker.ts';
import { resources } from '../../src/betterworks/resources/registry.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { runCli } from '../helpers/cli.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { json, startTestServer } from '../helpers/http-server.ts';
import { fetchTruth, quietLogger } from '../helpers/sync.ts';
import { clearPrefix, configFrom, REDIS_URL, spawnWorker, until, workerEnv } from '../helpers/worker.ts';

async function schedulerIds(prefix: string): Promise<string[]> {
  const redis = await connectProducer(REDIS_URL);
  const queue = createSyncQueue(redis, prefix);
  const ids = (await listSchedules(queue)).map((s) => s.id);
  await queue.close();
  redis.disconnect();
  return ids;
}

describe('bwsync schedules', () => {
  it('leaves exactly one scheduler per resource, applied twice or by two processes at once', async () => {
    const env = workerEnv('http://127.0.0.1:1/api/v1', 'postgres://postgres@127.0.0.1:5432/unused', {
      SCHEDULE_CRON: '0 2 * * *',
    });
    const prefix = env.QUEUE_PREFIX as string;
    const [a, b] = await Promise.all([
      runCli(['schedules', 'apply'], env),
      runCli(['schedules', 'apply'], env),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect((await runCli(['schedules', 'apply'], env)).stdout).toBe(
      `schedules applied: ${resources.length} active\n`,
    );
    const ids = await schedulerIds(prefix);
    expect(ids).toHaveLength(resources.length);
    expect(new Set(ids).size).toBe(resources.length);

    const listed = await runCli(['schedules', 'list', '--json'], env);
    const schedules = JSON.parse(listed.stdout) as {
      resource: string;
      pattern: string;
      tz: string;
      next: string;
    }[];
    expect(
      schedules.every(
        (s) => s.pattern === '0 2 * * *' && s.tz === 'UTC' && s.next.endsWith('T02:00:00.000Z'),
      ),
    ).toBe(true);

    const fewer = await runCli(['schedules', 'apply'], {
      ...env,
      SCHEDULE_GOALS: 'off',
      SCHEDULE_USERS: '30 3 * * *',
    });
    expect(fewer.stdout).toBe(`schedules applied: ${resources.length - 1} active; removed sync:goals\n`);
    const after = await schedulerIds(prefix);
    expect(after).not.toContain('sync:goals');
    expect(after).toHaveLength(resources.length - 1);
    await clearPrefix(prefix);
  });

  it('says clearly when Redis cannot be reached', async () => {
    const result = await runCli(['schedules', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^bwsync: could not connect to Redis at 127\.0\.0\.1:1 .*check REDIS_URL/);
  });
});

describe('worker with schedules', () => {
  let sim: Simulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 41, scale: 0.05, latencyMs: 150 });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  it('fires scheduled runs, never two of one resource at once, and skips the overlapping tick', async () => {
    // Pages of 5 users at 400 ms each: a run lasts about 2 s while the schedule ticks every second.
    const slow = await startSimulator({ port: 0, seed: 41, scale: 0.05, latencyMs: 400 });
    const env = workerEnv(slow.baseUrl, database.url, {
      SCHEDULE_USERS: '* * * * * *',
      BETTERWORKS_PAGE_SIZE: '5',
      WORKER_CONCURRENCY: '3',
    });
    const { lines, log } = quietLogger();
    const worker: RunningWorker = await startWorker(configFrom(env), log);
    try {
      await until(
        async () => {
          const runs = await database.db
            .selectFrom('sync_runs')
            .select('id')
            .where('status', '=', 'ok')
            .where('trigger', '=', 'schedule')
            .execute();
          return runs.length >= 2 && lines.some((l) => l.includes('skipped this scheduled run'));
        },
        40_000,
        'two scheduled runs and a skipped tick',
      );
    } finally {
      await worker.stop();
      await slow.stop();
    }
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['id', 'started_at', 'finished_at', 'job_id', 'status'])
      .where('resource', '=', 'users')
      .orderBy('id')
      .execute();
    for (const run of runs) {
      for (const other of runs) {
        if (run.id === other.id || !run.finished_at || !other.finished_at) continue;
        const overlap = run.started_at < other.finished_at && other.started_at < run.finished_at;
        expect(overlap, `runs ${run.id} and ${other.id} overlap`).toBe(false);
      }
    }
    expect(runs.every((r) => r.job_id?.startsWith('repeat:sync:users:'))).toBe(true);
    await clearPrefix(env.QUEUE_PREFIX as string);
  });

  it('runs each scheduled job exactly once with two worker processes sharing the queue', async () => {
    const fast = await startSimulator({ port: 0, seed: 42, scale: 0.05 });
    const env = workerEnv(fast.baseUrl, database.url, { SCHEDULE_DEPARTMENTS: '*/2 * * * * *' });
    const workers = [spawnWorker(env), spawnWorker(env)];
    await Promise.all(workers.map((w) => w.ready));
    const before = await database.db
      .selectFrom('sync_runs')
      .select('id')
      .where('resource', '=', 'departments')
      .execute();
    await until(
      async () => {
        const runs = await database.db
          .selectFrom('sync_runs')
          .select('id')
          .where('resource', '=', 'departments')
          .execute();
        return runs.length - before.length >= 4;
      },
      40_000,
      'four scheduled department runs',
    );
    for (const worker of workers) worker.process.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['job_id', 'status', 'error_code'])
      .where('resource', '=', 'departments')
      .execute();
    const jobIds = runs.map((r) => r.job_id);
    console.log(`department runs: ${runs.length}, distinct jobs: ${new Set(jobIds).size}`);
    expect(new Set(jobIds).size).toBe(jobIds.length);
    // A tick still running when the test stopped the workers ends ABORTED (committed and requeued).
    const unexpected = runs.filter((r) => r.status !== 'ok' && r.error_code !== 'ABORTED');
    expect(unexpected, JSON.stringify(runs)).toEqual([]);
    expect(runs.filter((r) => r.status === 'ok').length).toBeGreaterThanOrEqual(3);
    await clearPrefix(env.QUEUE_PREFIX as string);
    await fast.stop();
  });
});

describe('backfill, shutdown, metrics and alerts', () => {
  let sim: Simulator;
  let database: TestDatabase;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 43, scale: 0.2, latencyMs: 30 });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await sim.stop();
    await database.drop();
  });

  it('backfill --wait follows the jobs and exits with their result; /metrics agrees with sync_runs', async () => {
    const env = workerEnv(sim.baseUrl, database.url);
    const { log } = quietLogger();
    const worker = await startWorker(configFrom(env), log);
    try {
      const result = await runCli(['backfill', 'users', 'departments', '--wait', '--json'], env);
      expect(result.code).toBe(0);
      const summary = JSON.parse(result.stdout) as {
        status: string;
        durationMs: number;
        resources: { resource: string; status: string; inserted: number; durationMs: number }[];
      };
      expect(summary.status).toBe('ok');
      // The wall time from enqueueing to the last job done covers every job's run.
      for (const run of summary.resources) expect(summary.durationMs).toBeGreaterThanOrEqual(run.durationMs);
      expect(summary.resources.map((r) => [r.resource, r.status])).toEqual([
        ['users', 'ok'],
        ['departments', 'ok'],
      ]);
      expect(summary.resources[0]?.inserted).toBe(100);

      const queued = await runCli(['backfill', 'recognitions'], env);
      expect(queued.stdout).toMatch(/^enqueued 1 job\(s\): backfill:recognitions:\d+/);
      await until(async () =>
        database.db
          .selectFrom('sync_runs')
          .select('id')
          .where('resource', '=', 'recognitions')
          .where('status', '=', 'ok')
          .executeTakeFirst(),
      );

      const metrics = await (await fetch(`${worker.opsUrl}/metrics`)).text();
      const runs = await database.db
        .selectFrom('sync_runs')
        .select([
          'resource',
          'status',
          sql<number>`count(*)::int`.as('n'),
          sql<number>`sum(rows_inserted)::int`.as('inserted'),
        ])
        .groupBy(['resource', 'status'])
        .execute();
      expect(runs.length).toBe(3);
      for (const run of runs) {
        expect(metrics).toContain(`bwsync_runs{resource="${run.resource}",status="${run.status}"} ${run.n}`);
        expect(metrics).toContain(
          `bwsync_rows{resource="${run.resource}",outcome="inserted"} ${run.inserted}`,
        );
        expect(metrics).toMatch(
          new RegExp(`bwsync_last_success_timestamp_seconds\\{resource="${run.resource}"\\} \\d+`),
        );
      }
      expect(metrics).toMatch(/bwsync_api_requests_total\{status="200"\} \d+/);
      expect(metrics).toMatch(/bwsync_queue_jobs\{state="completed"\} 3/);
      expect(await (await fetch(`${worker.opsUrl}/healthz`)).json()).toEqual({ status: 'ok' });
      expect(await (await fetch(`${worker.opsUrl}/readyz`)).json()).toEqual({
        status: 'ready',
        checks: { postgres: 'ok', redis: 'ok' },
      });
      expect((await fetch(`${worker.opsUrl}/admin/queues`)).status).toBe(200);
    } finally {
      await worker.stop();
      await clearPrefix(env.QUEUE_PREFIX as string);
    }
  });

  it('runs as many syncs at once as WORKER_CONCURRENCY says, whatever SYNC_CONCURRENCY says', async () => {
    const own = await freshDatabase();
    const env = workerEnv(sim.baseUrl, own.url, { WORKER_CONCURRENCY: '6', SYNC_CONCURRENCY: '1' });
    const { log } = quietLogger();
    const worker = await startWorker(configFrom(env), log);
    const names = ['users', 'departments', 'goals', 'goal_comments', 'goal_checkins', 'recognitions'];
    try {
      const result = await runCli(['backfill', ...names, '--wait', '--json'], env);
      expect(result.code, result.stderr).toBe(0);
      // Each run holds a database connection from start to end, so six at once opened six (the pool keeps
      // them open a while); with a pool sized for SYNC_CONCURRENCY the last runs would have waited.
      const connections = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where application_name = 'bwsync-worker' and datname = current_database()`.execute(own.db);
      expect(connections.rows[0]?.n).toBeGreaterThanOrEqual(6);
    } finally {
      await worker.stop();
      await clearPrefix(env.QUEUE_PREFIX as string);
      await own.drop();
    }
  });

  it('follows a backfill of every resource at once, without warnings', async () => {
    // A database of its own: the tests around this one expect resources not synced yet.
    const own = await freshDatabase();
    const env = workerEnv(sim.baseUrl, own.url);
    const { log } = quietLogger();
    const worker = await startWorker(configFrom(env), log);
    try {
      const result = await runCli(['backfill', '--wait', '--json'], env);
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as { resources: unknown[] }).resources).toHaveLength(13);
      expect(result.stderr).toBe('');
    } finally {
      await worker.stop();
      await clearPrefix(env.QUEUE_PREFIX as string);
      await own.drop();
    }
  });

  it('stops on SIGTERM after committing its batch, and a restarted worker resumes from the checkpoint', async () => {
    const env = workerEnv(sim.baseUrl, database.url, { SYNC_BATCH_ROWS: '30' });
    const first = spawnWorker(env);
    await first.ready;
    await runCli(['backfill', 'goals'], env);
    await until(
      async () => {
        const state = await database.db
          .selectFrom('sync_state')
          .select('checkpoint')
          .where('resource', '=', 'goals')
          .executeTakeFirst();
        return (state?.checkpoint?.pages ?? 0) >= 2;
      },
      30_000,
      'a committed checkpoint',
    );
    first.process.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const stopped = await database.db
      .selectFrom('sync_runs')
      .select(['status', 'error_code', 'pages'])
      .where('resource', '=', 'goals')
      .executeTakeFirstOrThrow();
    expect(stopped).toMatchObject({ status: 'failed', error_code: 'ABORTED' });
    const checkpoint = await database.db
      .selectFrom('sync_state')
      .select('checkpoint')
      .where('resource', '=', 'goals')
      .executeTakeFirstOrThrow();
    expect(checkpoint.checkpoint?.pages).toBe(stopped.pages);
    expect(first.output()).toContain('requeued to resume from the checkpoint');

    const second = spawnWorker(env);
    await second.ready;
    await until(
      async () =>
        database.db
          .selectFrom('sync_runs')
          .select('id')
          .where('resource', '=', 'goals')
          .where('status', '=', 'ok')
          .executeTakeFirst(),
      60_000,
      'the resumed run',
    );
    second.process.kill('SIGTERM');
    await second.exited;
    const runs = await database.db
      .selectFrom('sync_runs')
      .select(['mode', 'status', 'job_id'])
      .where('resource', '=', 'goals')
      .orderBy('id')
      .execute();
    expect(runs.map((r) => [r.mode, r.status])).toEqual([
      ['full', 'failed'],
      ['resume', 'ok'],
    ]);
    expect(runs[0]?.job_id).toBe(runs[1]?.job_id);
    const truth = await fetchTruth(sim.origin);
    const ids = await sql<{ id: number }>`select id from goals where _deleted_at is null order by id`.execute(
      database.db,
    );
    expect(ids.rows.map((r) => Number(r.id))).toEqual(truth.goals!.ids);
    await clearPrefix(env.QUEUE_PREFIX as string);
  });

  it('posts a failure message to the webhook, without the token, and does not retry a rejected key', async () => {
    const received: unknown[] = [];
    const hook = await startTestServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        json(res, 200, { ok: true });
      });
    });
    const env = workerEnv(sim.baseUrl, database.url, {
      BETTERWORKS_API_TOKEN: 'sim_revoked',
      ALERT_WEBHOOK_URL: `${hook.origin}/hook`,
    });
    const { log } = quietLogger();
    const worker = await startWorker(configFrom(env), log);
    try {
      const result = await runCli(['backfill', 'users', '--wait'], env);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('Betterworks rejected the API key');
      await until(async () => received.length > 0);
      expect(received[0]).toMatchObject({
        source: 'betterworks-sync',
        event: 'run_failed',
        resource: 'users',
        errorCode: 'BW_KEY_REJECTED',
        willRetry: false,
      });
      expect(JSON.stringify(received)).not.toContain('sim_revoked');
      expect(sim.stats.byStatus['401']).toBe(1);
    } finally {
      await worker.stop();
      await hook.stop();
      await clearPrefix(env.QUEUE_PREFIX as string);
    }
  });
});

describe('bwsync worker process', () => {
  it('refuses to start on a database that is not migrated, saying what to run', async () => {
    const env = workerEnv('http://127.0.0.1:1/api/v1', 'postgres://postgres@127.0.0.1:5432/postgres');
    const worker = spawnWorker(env);
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toMatch(
      /bwsync: database postgres is missing \d+ migration\(s\) .*run `bwsync migrate` first/,
    );
  });

  it('exits at once on a second signal, without waiting for the running sync', async () => {
    const slow = await startSimulator({ port: 0, scale: 0.1, latencyMs: 3_000 });
    const database = await freshDatabase();
    const env = workerEnv(slow.baseUrl, database.url, { WORKER_SHUTDOWN_TIMEOUT_MS: '60000' });
    const worker = spawnWorker(env);
    await worker.ready;
    await runCli(['backfill', 'users'], env);
    await until(
      async () => database.db.selectFrom('sync_runs').select('id').executeTakeFirst(),
      20_000,
      'the run to start',
    );
    // Hold the run's row so the graceful path blocks while recording the end of the run.
    const blocker = await database.pool.connect();
    await blocker.query('begin');
    await blocker.query('select * from sync_runs for update');
    worker.process.kill('SIGTERM');
    await until(async () => worker.output().includes('stopping: no new jobs'), 10_000, 'the graceful stop');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(worker.process.exitCode).toBeNull();
    worker.process.kill('SIGTERM');
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('second signal: exiting at once');
    await blocker.query('rollback');
    blocker.release();
    await database.drop();
    await slow.stop();
    await clearPrefix(env.QUEUE_PREFIX as string);
  });
});
