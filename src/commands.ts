/**
 * What each `bwsync` subcommand does, once commander has parsed its flags. Each handler loads the config
 * it needs, calls the engine and prints; errors propagate to cli.ts, which maps them to exit codes.
 */

import { CommanderError } from 'commander';
import { enqueueBackfill, waitForBackfill } from '../jobs/backfill.ts';
import { connectProducer, createWorkerConnection } from '../jobs/connection.ts';
import { createSyncQueue, type SyncJobResult } from '../jobs/queue.ts';
import { applySchedules, listSchedules } from '../jobs/schedules.ts';
import { startWorker } from '../jobs/worker.ts';
import { createApiClient } from './betterworks/client.ts';
import { probeAll } from './betterworks/probe.ts';
import type { Resource } from './betterworks/resources/define-resource.ts';
import { findResource, resources } from './betterworks/resources/registry.ts';
import { type Config, loadConfig, requireApiToken } from './config.ts';
import { BwsyncError } from './errors.ts';
import { formatTable } from './format-table.ts';
import { log, registerSecret, registerUrlSecret, setLogLevel } from './logger.ts';
import { DEFAULT_KEYS, startSimulator } from './simulator/server.ts';
import { createProgressDisplay } from './sync/progress-display.ts';
import { summaryJson, summaryText } from './sync/summary.ts';
import { createSyncContext } from './sync/sync-context.ts';
import { overallStatus, type SyncSummary, syncResources } from './sync/sync-resources.ts';
import { assertMigrated, createDb, migrateDatabase } from './warehouse/db.ts';
import { grantReader as grantReaderRole } from './warehouse/grant-reader.ts';

function configure(options: { quietOnTerminal?: boolean } = {}): Config {
  const config = loadConfig();
  // Live progress owns the terminal; routine info logs there would tear it. LOG_LEVEL still wins.
  const quiet = options.quietOnTerminal && process.stderr.isTTY && !process.env.LOG_LEVEL;
  setLogLevel(quiet ? 'warn' : config.log.level);
  registerUrlSecret(config.database.url);
  registerUrlSecret(config.redis.url);
  registerSecret(config.betterworks.apiToken);
  return config;
}

function apiClientFor(config: Config) {
  return createApiClient(config.betterworks, requireApiToken(config), log);
}

async function probe(flags: { json?: boolean }): Promise<void> {
  const config = configure();
  const client = apiClientFor(config);
  const rows = await probeAll(
    client,
    resources,
    config.betterworks.pathOverrides,
    config.betterworks.pageSize,
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ baseUrl: client.baseUrl, resources: rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`Probing ${client.baseUrl}\n\n`);
    const table = formatTable(
      [
        'resource',
        'path',
        'source',
        'status',
        'pagination',
        'items',
        'unknown fields',
        'missing fields',
        'verdict',
      ],
      rows.map((r) => [
        r.resource,
        r.path,
        r.pathSource,
        r.status,
        r.pagination,
        r.items,
        r.unknownFields.join(',') || '',
        r.missingFields.join(',') || '',
        r.verdict,
      ]),
    );
    process.stdout.write(`${table}\n`);
    for (const row of rows.filter((r) => r.verdict !== 'ok'))
      process.stdout.write(`\n${row.resource}: ${row.message}\n`);
  }
  const blocked = rows.find((r) => r.verdict === 'key rejected' || r.verdict === 'privacy notice pending');
  if (blocked) process.exitCode = 1;
  else if (rows.some((r) => r.verdict !== 'ok')) process.exitCode = 3;
}

async function migrate(): Promise<void> {
  const config = configure();
  const result = await migrateDatabase(config.database.url);
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  if (result.created) process.stdout.write(`created database ${name}\n`);
  if (result.applied.length === 0) process.stdout.write(`database ${name} is up to date; nothing to apply\n`);
  for (const migration of result.applied) process.stdout.write(`applied ${migration}\n`);
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

interface SimulateFlags {
  port: number;
  host: string;
  seed: number;
  scale: number;
  latencyMs: number;
  rateLimitRps: number;
  faultRate: number;
  malformedRate: number;
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const simulator = await startSimulator(flags);
  const keys = Object.entries(DEFAULT_KEYS)
    .map(([key, info]) => `  ${key.padEnd(20)} ${info.status === 'active' ? info.role : info.status}`)
    .join('\n');
  process.stdout.write(
    `Betterworks simulator (seed ${flags.seed}, scale ${flags.scale}) at ${simulator.baseUrl}\n` +
      `Keys (send as "Authorization: APIToken <key>"):\n${keys}\n` +
      `Try: BETTERWORKS_BASE_URL=${simulator.baseUrl} BETTERWORKS_API_TOKEN=sim_super_admin npx bwsync probe\n`,
  );
  await untilSignal();
  await simulator.stop();
}

/** Resources named on the command line (all when none), or a usage error listing the known ones. */
function selectResources(names: readonly string[]): Resource[] {
  if (names.length === 0) return [...resources];
  const unknown = names.filter((name) => !findResource(name));
  if (unknown.length > 0) {
    throw new CommanderError(
      2,
      'bwsync.unknownResource',
      `unknown resource ${unknown.join(', ')}; expected one of ${resources.map((r) => r.name).join(', ')}`,
    );
  }
  return [...new Set(names)].map((name) => findResource(name) as Resource);
}

const EXIT_FOR_STATUS = { ok: 0, failed: 1, partial: 3 } as const;

/** Runs a sync in this process with progress on a terminal; returns the summary. */
async function runSyncCommand(
  config: Config,
  selected: readonly Resource[],
  options: { trigger: string; restart: boolean; allowMassDelete: boolean },
): Promise<SyncSummary> {
  const context = createSyncContext(config, log);
  await assertMigrated(context.deps.db, config.database.url).catch(async (error: unknown) => {
    await context.close();
    throw error;
  });
  const display = createProgressDisplay();
  const abort = new AbortController();
  const onSignal = () =>
    abort.abort(new Error('interrupted; the last committed batch is kept and the next run resumes from it'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await syncResources(selected, context.deps, {
      ...options,
      concurrency: config.sync.concurrency,
      signal: abort.signal,
      onProgress: (progress) => display.update(progress),
    });
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await context.close();
  }
}

interface SyncFlags {
  full?: boolean;
  json?: boolean;
  allowDeletes?: boolean;
  trigger: string;
}

async function sync(names: string[], flags: SyncFlags): Promise<void> {
  const selected = selectResources(names);
  const config = configure({ quietOnTerminal: true });
  requireApiToken(config);
  const summary = await runSyncCommand(config, selected, {
    trigger: flags.trigger,
    restart: flags.full ?? false,
    allowMassDelete: flags.allowDeletes ?? false,
  });
  process.stdout.write(
    flags.json ? `${JSON.stringify(summaryJson(summary), null, 2)}\n` : `${summaryText(summary)}\n`,
  );
  process.exitCode = EXIT_FOR_STATUS[summary.status];
}

interface RunsFlags {
  resource?: string;
  limit: number;
  json?: boolean;
}

async function runs(flags: RunsFlags): Promise<void> {
  if (flags.resource) selectResources([flags.resource]);
  const config = configure();
  const { db } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-runs' });
  try {
    let query = db.selectFrom('sync_runs').selectAll().orderBy('id', 'desc').limit(flags.limit);
    if (flags.resource) query = query.where('resource', '=', flags.resource);
    const rows = await query.execute();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('no runs yet; start one with `bwsync sync`\n');
      return;
    }
    const table = formatTable(
      [
        'id',
        'resource',
        'trigger',
        'mode',
        'status',
        'started',
        'duration',
        'seen',
        'ins',
        'upd',
        'del',
        'rej',
        '429s',
        'error',
      ],
      rows.map((r) => [
        Number(r.id),
        r.resource,
        r.trigger,
        r.mode,
        r.status,
        r.started_at.toISOString().replace('T', ' ').slice(0, 19),
        r.finished_at
          ? `${((r.finished_at.getTime() - r.started_at.getTime()) / 1000).toFixed(1)}s`
          : 'running',
        Number(r.rows_seen),
        Number(r.rows_inserted),
        Number(r.rows_updated),
        Number(r.rows_deleted),
        Number(r.rows_rejected),
        r.http_429s,
        r.error_code ?? '',
      ]),
    );
    process.stdout.write(`${table}\n`);
  } finally {
    await db.destroy();
  }
}

async function grantReader(role: string): Promise<void> {
  const config = configure();
  const { pool } = createDb(config.database.url, {
    maxConnections: 1,
    applicationName: 'bwsync-grant-reader',
  });
  try {
    const client = await pool.connect();
    try {
      const { created } = await grantReaderRole(client, role);
      process.stdout.write(
        `${created ? 'created' : 'updated'} role ${role}: SELECT on the analytics schema only.\n` +
          `Let a login use it with: GRANT ${role} TO <login role>;\n`,
      );
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

/** The simulator is local: the demo may ask it far more than the real API's conservative defaults. */
const DEMO_API_SETTINGS = { rateLimitRps: 100, maxInFlight: 4 } as const;

async function demo(flags: { scale: number }): Promise<void> {
  const config = configure({ quietOnTerminal: true });
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  process.stdout.write(
    `1/4 Starting the Betterworks simulator (a fictional company, scale ${flags.scale})…\n`,
  );
  const simulator = await startSimulator({ port: 0, seed: 1, scale: flags.scale });
  try {
    process.stdout.write(`    serving ${simulator.baseUrl}\n2/4 Migrating database ${name}…\n`);
    const migrated = await migrateDatabase(config.database.url);
    process.stdout.write(
      `    ${migrated.created ? 'created it; ' : ''}${migrated.applied.length} migration(s) applied\n`,
    );
    await refuseRealWarehouse(config);
    const demoConfig: Config = {
      ...config,
      betterworks: {
        ...config.betterworks,
        ...DEMO_API_SETTINGS,
        baseUrl: simulator.baseUrl,
        apiToken: 'sim_super_admin',
        pathOverrides: {},
      },
    };
    process.stdout.write('3/4 Syncing every resource…\n');
    const summary = await runSyncCommand(demoConfig, resources, {
      trigger: 'demo',
      restart: true,
      allowMassDelete: true,
    });
    process.stdout.write(`${summaryText(summary)}\n\n4/4 A sample analytics query:\n`);
    process.stdout.write(`${await sampleAnalytics(config)}\n\n`);
    process.stdout.write(
      [
        `The warehouse in ${name} now holds the simulated company; BI tools can read the analytics schema`,
        '(give them a read-only role with `npx bwsync grant-reader bi_reader`).',
        '',
        'Next, against your real tenant:',
        '  1. A Super Admin creates an API key (Admin → Platform Configuration → Betterworks API).',
        '  2. export BETTERWORKS_API_TOKEN=<key> (or BETTERWORKS_API_TOKEN_FILE) and, for a separate warehouse, DATABASE_URL',
        '  3. npx bwsync probe     # what the tenant returns for each resource',
        '  4. npx bwsync sync      # a first full sync',
        '',
      ].join('\n'),
    );
    process.exitCode = EXIT_FOR_STATUS[summary.status];
  } finally {
    await simulator.stop();
  }
}

/** Demo data must not be mixed into a warehouse that holds a real tenant's data. */
async function refuseRealWarehouse(config: Config): Promise<void> {
  const { db } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-demo' });
  try {
    const real = await db
      .selectFrom('sync_runs')
      .select('id')
      .where('trigger', '!=', 'demo')
      .limit(1)
      .executeTakeFirst();
    if (real) {
      throw new BwsyncError(
        'DEMO_REFUSED',
        'this database already holds syncs of a real tenant; point DATABASE_URL at another database for the demo',
      );
    }
  } finally {
    await db.destroy();
  }
}

async function sampleAnalytics(config: Config): Promise<string> {
  const { pool } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-demo' });
  try {
    const query = `select department_name, objectives, key_results, avg_objective_progress, objectives_completed
      from analytics.goal_progress_by_department
      where period_start = '2026-10-01' order by avg_objective_progress desc nulls last limit 5`;
    const result = await pool.query(query);
    const table = formatTable(
      ['department', 'objectives', 'key results', 'avg progress', 'completed'],
      result.rows.map((r) => [
        r.department_name,
        r.objectives,
        r.key_results,
        r.avg_objective_progress,
        r.objectives_completed,
      ]),
    );
    return `  -- Q4 goal progress by department (analytics.goal_progress_by_department)\n${table}`;
  } finally {
    await pool.end();
  }
}

async function worker(): Promise<void> {
  const config = configure();
  requireApiToken(config);
  const running = await startWorker(config, log);
  process.stdout.write(
    `bwsync worker running${running.opsUrl ? `; ops endpoints at ${running.opsUrl}` : ''}\n`,
  );
  await untilSignal();
  // A second signal means "now": skip the graceful part.
  const forceExit = () => {
    log.warn('second signal: exiting at once');
    process.exit(1);
  };
  process.once('SIGINT', forceExit);
  process.once('SIGTERM', forceExit);
  await running.stop();
  log.info('worker stopped');
}

/** A producer connection and the queue, closed after `task`. */
async function withQueue<T>(
  config: Config,
  task: (
    queue: ReturnType<typeof createSyncQueue>,
    redis: Awaited<ReturnType<typeof connectProducer>>,
  ) => Promise<T>,
): Promise<T> {
  const redis = await connectProducer(config.redis.url);
  const queue = createSyncQueue(redis, config.queue.prefix);
  try {
    return await task(queue, redis);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

async function schedulesApply(): Promise<void> {
  const config = configure();
  const change = await withQueue(config, (queue, redis) =>
    applySchedules(queue, redis, {
      prefix: config.queue.prefix,
      schedules: config.schedules,
      attempts: config.queue.attempts,
    }),
  );
  process.stdout.write(
    `schedules applied: ${change.upserted.length} active${change.removed.length ? `; removed ${change.removed.join(', ')}` : ''}\n`,
  );
}

async function schedulesList(flags: { json?: boolean }): Promise<void> {
  const config = configure();
  const schedules = await withQueue(config, (queue) => listSchedules(queue));
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(schedules, null, 2)}\n`);
    return;
  }
  if (schedules.length === 0) {
    process.stdout.write('no schedules in Redis; run `bwsync schedules apply` or start a worker\n');
    return;
  }
  process.stdout.write(
    `${formatTable(
      ['resource', 'pattern', 'time zone', 'next run (UTC)'],
      schedules.map((s) => [s.resource, s.pattern, s.tz, s.next]),
    )}\n`,
  );
}

interface BackfillFlags {
  full?: boolean;
  allowDeletes?: boolean;
  wait?: boolean;
  json?: boolean;
}

function summaryFromBackfill(outcomes: Awaited<ReturnType<typeof waitForBackfill>>): SyncSummary {
  const results = outcomes.map((outcome) => {
    const result: SyncJobResult = outcome.result ?? {
      resource: outcome.resource,
      status: 'failed',
      runId: null,
      seen: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      rejected: 0,
      durationMs: 0,
      errorMessage: outcome.failedReason,
    };
    return {
      ...result,
      status: result.status === 'skipped' ? ('ok' as const) : result.status,
      mode: 'full' as const,
      pages: 0,
      recordsChanged: null,
      deleteRefused: result.status === 'partial',
      http: { requests: 0, retries: 0, throttled: 0, byStatus: {} },
    };
  });
  return { status: overallStatus(results), results };
}

async function backfill(names: string[], flags: BackfillFlags): Promise<void> {
  const selected = selectResources(names);
  const config = configure({ quietOnTerminal: true });
  await withQueue(config, async (queue) => {
    const jobs = await enqueueBackfill(queue, selected, {
      restart: flags.full ?? false,
      allowDeletes: flags.allowDeletes ?? false,
      attempts: config.queue.attempts,
    });
    if (!flags.wait) {
      process.stdout.write(
        `enqueued ${jobs.length} job(s): ${jobs.map((job) => job.id).join(', ')}\nfollow them with \`bwsync runs\` or the dashboard at /admin/queues\n`,
      );
      return;
    }
    const display = createProgressDisplay();
    const startedAt = Date.now();
    const events = createWorkerConnection(config.redis.url);
    try {
      const outcomes = await waitForBackfill(events, config.queue.prefix, jobs, (resource, progress) =>
        display.update({ resource, runId: 0, pages: progress.pages, records: progress.records, startedAt }),
      );
      display.stop();
      const summary = summaryFromBackfill(outcomes);
      process.stdout.write(
        flags.json ? `${JSON.stringify(summaryJson(summary), null, 2)}\n` : `${summaryText(summary)}\n`,
      );
      process.exitCode = EXIT_FOR_STATUS[summary.status];
    } finally {
      display.stop();
      events.disconnect();
    }
  });
}

export const commandHandlers = {
  migrate,
  simulate,
  probe,
  sync,
  runs,
  grantReader,
  demo,
  worker,
  schedulesApply,
  schedulesList,
  backfill,
};
