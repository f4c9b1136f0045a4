/**
 * `npm run bench [-- --scale N] [-- --repeat N] [-- --json] [-- --out FILE]`: throughput, memory and
 * politeness of a sync, each as a ratio against a physical limit measured in the same run, against
 * simulator processes with a fixed seed. Each timed step runs --repeat times (3) and the median counts,
 * since one run on a shared machine can be 20% off:
 *
 * 1. fetch limit: paging through every resource and parsing the JSON (no validation, no database), in this
 *    long-running process and, for the re-sync run as a command, in a fresh process each time;
 * 2. copy limit: the very same normalized rows loaded with plain COPY into empty tables, as many resources at
 *    once as the sync loads;
 * 3. full sync into empty tables (a `bwsync sync` process), and its ratio to the smaller limit;
 * 4. unchanged re-sync, and rows written (must be 0): run by a `bwsync worker` that has synced before
 *    (as scheduled syncs run), as a ratio to the fetch limit; and run by `bwsync sync` in a fresh process,
 *    as a ratio to the fetch limit in a fresh process (each pays Node's start-up compilation once);
 * 5. re-sync after 5% of records changed: rows written, against the row changes computed independently;
 * 6. memory: peak RSS of the sync process at --scale and at 10 × --scale, and their ratio;
 * 7. politeness: with 50 ms latency and a 20 requests/s limit at the simulator, achieved requests/s / 20
 *    and the 429s the sync provoked.
 *
 * Scale 1 is about 10,500 records (plus about 8,000 nested rows). The default, --scale 10, syncs about 100k
 * records and measures memory at 100k and 1M (about two minutes on 2 cores); a smaller scale is only a
 * smoke test, a larger one reaches 10M records.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { hash, randomBytes } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { ApiClient } from '../src/betterworks/client.ts';
import { RequestLimiter } from '../src/betterworks/limiter.ts';
import { normalizeRecord } from '../src/betterworks/normalize.ts';
import { firstPageUrl, paginate } from '../src/betterworks/paginate.ts';
import { mainTable, type Resource } from '../src/betterworks/resources/define-resource.ts';
import { resources } from '../src/betterworks/resources/registry.ts';
import { formatTable } from '../src/format-table.ts';
import {
  loadItemFrom,
  pageSources,
  recordBytes,
  stagedColumns,
  stagedLines,
  stageItems,
  tableCopyText,
} from '../src/warehouse/bulk-loader.ts';
import { migrateDatabase } from '../src/warehouse/db.ts';
import { bySize } from '../src/warehouse/largest-first.ts';

const CLI = new URL('../src/cli.ts', import.meta.url).pathname;
const BIN_DIR = new URL('../node_modules/.bin', import.meta.url).pathname;
const SEED = 7;
const PAGE_SIZE = 100;
const CONCURRENCY = 4;

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    out: { type: 'string', default: new URL('./results.md', import.meta.url).pathname },
    'no-write': { type: 'boolean', default: false },
    repeat: { type: 'string', default: '3' },
    // Internal: measure the fetch limit once, in this (fresh) process, print it as JSON and exit.
    'fetch-once': { type: 'string' },
    // Internal, with --fetch-once: the start order, as resource names separated by commas.
    order: { type: 'string' },
  },
});
const scale = Number(args.scale);
if (!Number.isFinite(scale) || scale <= 0) {
  process.stderr.write(`bench: --scale expects a number > 0, got "${args.scale}"\n`);
  process.exit(2);
}
const repeats = Number(args.repeat);
if (!Number.isInteger(repeats) || repeats < 1) {
  process.stderr.write(`bench: --repeat expects a whole number >= 1, got "${args.repeat}"\n`);
  process.exit(2);
}
const log = (line: string) => {
  if (!args.json) process.stderr.write(`${line}\n`);
};

const SERVER = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');

// ── processes and databases ──────────────────────────────────────────────────────────────────────────

interface SimProcess {
  baseUrl: string;
  origin: string;
  stop(): Promise<void>;
}

async function startSimProcess(simScale: number, extra: string[] = []): Promise<SimProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'simulate', '--port', '0', '--seed', String(SEED), '--scale', String(simScale), ...extra],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /at (http:\/\/\S+\/api\/v1)/.exec(out);
      if (match) resolve(match[1] as string);
    });
    child.on('exit', () => reject(new Error(`simulator exited: ${out}`)));
  });
  return {
    baseUrl,
    origin: new URL(baseUrl).origin,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

const databases: string[] = [];
async function freshDatabase(): Promise<string> {
  const name = `bwsync_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  databases.push(name);
  return url.toString();
}

async function dropDatabases(names: string[] = [...databases]): Promise<void> {
  const client = new pg.Client({ connectionString: SERVER.toString() });
  await client.connect();
  for (const name of names) {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    databases.splice(databases.indexOf(name), 1);
  }
  await client.end();
}

/**
 * Brings the machine to rest before a timed step: databases other than the step's own are dropped (so
 * autovacuum does not analyze them meanwhile), Postgres writes out its dirty pages (CHECKPOINT, which
 * needs a superuser or pg_checkpoint; without one the step just runs) and the operating system its own
 * (`sync`), so that no step pays for the writes of the one before.
 */
async function quietServer(databaseUrl: string): Promise<void> {
  await dropDatabases(databases.filter((name) => !databaseUrl.endsWith(`/${name}`)));
  const client = new pg.Client({ connectionString: SERVER.toString() });
  await client.connect();
  await client.query('checkpoint').catch(() => {});
  await client.end();
  try {
    execFileSync('sync');
  } catch {
    // Not every platform has it; the step just runs.
  }
}

interface SyncRun {
  /** The sync's own wall time, as it reports it (process start-up excluded). */
  ms: number;
  startupMs: number;
  peakRssMb: number;
  written: number;
  inserted: number;
  updated: number;
  deleted: number;
  status: string;
}

function peakRssKb(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The environment of a sync against the simulator at `baseUrl` into `databaseUrl`. */
function syncEnv(
  baseUrl: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH}`,
    LOG_LEVEL: 'warn',
    BETTERWORKS_BASE_URL: baseUrl,
    BETTERWORKS_API_TOKEN: 'sim_super_admin',
    BETTERWORKS_RATE_LIMIT_RPS: '100000',
    BETTERWORKS_MAX_IN_FLIGHT: String(CONCURRENCY),
    BETTERWORKS_PAGE_SIZE: String(PAGE_SIZE),
    SYNC_CONCURRENCY: String(CONCURRENCY),
    SYNC_DELETE_MAX_SHARE: '1',
    DATABASE_URL: databaseUrl,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...env,
  };
}

/** Runs `bwsync sync --json` as its own process, as an operator would, and watches its peak RSS. */
function runSyncProcess(
  baseUrl: string,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<SyncRun> {
  return runCliSummary(['sync', '--json'], syncEnv(baseUrl, databaseUrl, env));
}

/** Runs a bwsync command that prints a sync summary as JSON, and watches its peak RSS. */
async function runCliSummary(args: string[], env: Record<string, string>): Promise<SyncRun> {
  const started = performance.now();
  // Executed as a bin, as `npx bwsync` does, so its shebang's Node flags apply; node_modules/.bin first
  // so that `node` is the project's Node 24.
  const child: ChildProcess = spawn(CLI, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  let peakKb = 0;
  const timer = setInterval(() => {
    if (child.pid) peakKb = Math.max(peakKb, peakRssKb(child.pid));
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(timer);
  const processMs = performance.now() - started;
  if (code !== 0) throw new Error(`bwsync ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`);
  const summary = JSON.parse(stdout) as {
    status: string;
    durationMs: number;
    resources: { inserted: number; updated: number; deleted: number }[];
  };
  const sum = (key: 'inserted' | 'updated' | 'deleted') => summary.resources.reduce((n, r) => n + r[key], 0);
  return {
    ms: summary.durationMs,
    startupMs: Math.round(processMs - summary.durationMs),
    peakRssMb: Math.round(peakKb / 1024),
    inserted: sum('inserted'),
    updated: sum('updated'),
    deleted: sum('deleted'),
    written: sum('inserted') + sum('updated') + sum('deleted'),
    status: summary.status,
  };
}

interface WorkerProcess {
  /** Runs every resource through the worker (`bwsync backfill --wait`), timed from enqueueing to done. */
  resync(): Promise<SyncRun>;
  /** Stops the worker and removes its queue from Redis. */
  stop(): Promise<void>;
}

/**
 * Starts `bwsync worker` as its own process on a queue of its own, with no schedules, taking as many
 * resources at once as `bwsync sync` does, and resolves once it takes jobs.
 */
async function startWorkerProcess(baseUrl: string, databaseUrl: string): Promise<WorkerProcess> {
  const prefix = `bwsync-bench-${randomBytes(4).toString('hex')}`;
  const env = syncEnv(baseUrl, databaseUrl, {
    QUEUE_PREFIX: prefix,
    WORKER_CONCURRENCY: String(CONCURRENCY),
    SCHEDULE_CRON: 'off',
    OPS_PORT: '0',
  });
  const child = spawn(CLI, ['worker'], {
    env: { ...env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ops endpoints')) resolve();
    });
    child.stderr?.on('data', (chunk) => {
      out += chunk;
    });
    child.once('exit', (code) => reject(new Error(`bwsync worker exited ${code}: ${out.slice(-2000)}`)));
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  return {
    resync: () => runCliSummary(['backfill', '--wait', '--json'], env),
    stop: async () => {
      if (child.exitCode === null) {
        // The start-up listener would reject; this one waits for the exit.
        child.removeAllListeners('exit');
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      const redis = new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** (1) in a fresh process: this script run with `--fetch-once`, under the bwsync shebang's Node flags. */
async function measureFetchLimitInFreshProcess(baseUrl: string): Promise<{ records: number; ms: number }> {
  const shebang = readFileSync(CLI, 'utf8').split('\n')[0] ?? '';
  const nodeFlags = shebang.split(' ').filter((word) => word.startsWith('--'));
  const child = spawn(
    process.execPath,
    [
      ...nodeFlags,
      fileURLToPath(import.meta.url),
      '--fetch-once',
      baseUrl,
      '--order',
      startOrder.map((resource) => resource.name).join(','),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let stdout = '';
  child.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the fetch-limit process exited ${code}`);
  return JSON.parse(stdout) as { records: number; ms: number };
}

// ── measurements ─────────────────────────────────────────────────────────────────────────────────────

function apiClient(baseUrl: string): ApiClient {
  return new ApiClient({
    baseUrl,
    token: 'sim_super_admin',
    timeoutMs: 30_000,
    maxRetries: 3,
    retryMaxWaitMs: 5_000,
    limiter: new RequestLimiter({ ratePerSecond: 100_000, maxInFlight: CONCURRENCY }),
  });
}

/**
 * The order the sync starts resources in: largest first, by the pages of a previous complete pass
 * (largest-first.ts). The bench learns the pages from its first, untimed fetch.
 */
let startOrder: Resource[] = [...resources];

/** Runs `task` for every resource, CONCURRENCY at a time, in the sync's start order, as the sync does. */
async function forEachResource(task: (resource: Resource) => Promise<void>): Promise<void> {
  const queue = [...startOrder];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let resource = queue.shift(); resource; resource = queue.shift()) await task(resource);
    }),
  );
}

/** (1) Pages through everything and parses it; nothing else. */
async function measureFetchLimit(
  baseUrl: string,
): Promise<{ records: number; ms: number; requests: number; pages: Map<string, number> }> {
  const client = apiClient(baseUrl);
  let records = 0;
  let requests = 0;
  const pages = new Map<string, number>();
  const started = performance.now();
  await forEachResource(async (resource) => {
    for await (const page of paginate(client, {
      startUrl: firstPageUrl(resource, resource.path, PAGE_SIZE),
    })) {
      records += page.records.length;
      requests++;
      pages.set(resource.name, (pages.get(resource.name) ?? 0) + 1);
    }
  });
  return { records, ms: performance.now() - started, requests, pages };
}

type Snapshot = Map<string, string>;

/**
 * Fetches and normalizes everything (untimed): writes the COPY input of every table to files for the copy
 * limit, and returns the rows keyed by table and key with their hash, to count changes independently.
 */
async function snapshot(baseUrl: string, copyDir?: string): Promise<Snapshot> {
  const client = apiClient(baseUrl);
  const rows: Snapshot = new Map();
  await forEachResource(async (resource) => {
    const files = copyDir
      ? Object.fromEntries(
          Object.keys(resource.tables).map((table) => [
            table,
            createWriteStream(path.join(copyDir, `${table}.copy`)),
          ]),
        )
      : {};
    for await (const page of paginate(client, {
      startUrl: firstPageUrl(resource, resource.path, PAGE_SIZE),
    })) {
      const items = [];
      const sources = pageSources(resource, page.body, page.records);
      for (let index = 0; index < page.records.length; index++) {
        const result = normalizeRecord(resource, page.records[index]);
        const source = {
          hash: sources.hashes[index] as string,
          json: recordBytes(page.body, sources, index),
        };
        if (result.ok) items.push(loadItemFrom(result, source));
      }
      const batch = stageItems(resource, items, 1);
      for (const [table, staged] of batch.tables) {
        // A row's line holds its hash (and the run id, the same in every snapshot).
        for (const [key, line] of stagedLines(staged)) rows.set(`${table}:${key}`, hash('sha1', line));
        for (const chunk of tableCopyText(batch, table)) files[table]?.write(chunk);
      }
    }
    await Promise.all(Object.values(files).map((file) => new Promise((resolve) => file.end(resolve))));
  });
  return rows;
}

/**
 * (2) Plain COPY of the snapshot's rows into the empty tables of a fresh database, CONCURRENCY resources at
 * a time on a connection each, as the sync loads them (one COPY stream at a time leaves Postgres a core
 * idle: on 2 cores it took 1.8 s where four streams took 1.5 s).
 */
async function measureCopyLimit(databaseUrl: string, copyDir: string): Promise<number> {
  const clients = await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      return client;
    }),
  );
  const idle = [...clients];
  const started = performance.now();
  try {
    await forEachResource(async (resource) => {
      // forEachResource runs at most CONCURRENCY tasks at once, so a connection is always free.
      const client = idle.pop() as pg.Client;
      try {
        for (const [table, spec] of Object.entries(resource.tables)) {
          const columns = stagedColumns(spec, table === mainTable(resource))
            .map(pg.escapeIdentifier)
            .join(', ');
          const stream = client.query(copyFrom(`copy ${pg.escapeIdentifier(table)} (${columns}) from stdin`));
          await pipeline(createReadStream(path.join(copyDir, `${table}.copy`)), stream);
        }
      } finally {
        idle.push(client);
      }
    });
    return performance.now() - started;
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
}

function countChanges(before: Snapshot, after: Snapshot): number {
  let changes = 0;
  for (const [key, hash] of after) if (before.get(key) !== hash) changes++;
  for (const key of before.keys()) if (!after.has(key)) changes++;
  return changes;
}

async function simStats(origin: string): Promise<{ byStatus: Record<string, number>; throttled: number }> {
  return (await (await fetch(`${origin}/__sim/stats`)).json()) as {
    byStatus: Record<string, number>;
    throttled: number;
  };
}

// ── the run ──────────────────────────────────────────────────────────────────────────────────────────

async function main() {
  const versions = {
    node: process.version,
    postgres: '',
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}`,
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
  };
  const admin = new pg.Client({ connectionString: SERVER.toString() });
  await admin.connect();
  versions.postgres = (
    (await admin.query('show server_version')).rows[0] as { server_version: string }
  ).server_version;
  await admin.end();

  const copyDir = mkdtempSync(path.join(os.tmpdir(), 'bwsync-bench-'));
  const sim = await startSimProcess(scale);
  try {
    log(`scale ${scale}: simulator at ${sim.baseUrl}; each timed step runs ${repeats} time(s), median kept`);
    // Like the worker below, this process first runs the step once untimed, so that the code it times
    // is compiled and optimized: both sides of the re-sync ratio are then equally warm.
    startOrder = bySize(resources, (await measureFetchLimit(sim.baseUrl)).pages);
    const fetchLimit = medianBy(await repeat(() => measureFetchLimit(sim.baseUrl)), (run) => run.ms);
    log(
      `1 fetch limit: ${fetchLimit.records} records, ${fetchLimit.requests} requests in ${(fetchLimit.ms / 1000).toFixed(2)} s`,
    );
    const freshFetch = medianBy(
      await repeat(() => measureFetchLimitInFreshProcess(sim.baseUrl)),
      (run) => run.ms,
    );
    log(`1 fetch limit in a fresh process: ${(freshFetch.ms / 1000).toFixed(2)} s`);
    const before = await snapshot(sim.baseUrl, copyDir);
    const copyMs = medianBy(
      await repeat(async () => {
        const target = await freshDatabase();
        await quietServer(target);
        return measureCopyLimit(target, copyDir);
      }),
      (ms) => ms,
    );
    log(`2 copy limit: ${before.size} rows in ${(copyMs / 1000).toFixed(2)} s`);

    // Each full sync into a fresh warehouse; the last one carries on with the re-syncs.
    let warehouse = '';
    const fullRuns = await repeat(async () => {
      warehouse = await freshDatabase();
      await quietServer(warehouse);
      return runSyncProcess(sim.baseUrl, warehouse);
    });
    const full = medianBy(fullRuns, (run) => run.ms);
    const peakRssMb = Math.max(...fullRuns.map((run) => run.peakRssMb));
    log(`3 full sync: ${(full.ms / 1000).toFixed(2)} s, ${full.inserted} rows, peak RSS ${peakRssMb} MB`);
    await quietServer(warehouse);
    const worker = await startWorkerProcess(sim.baseUrl, warehouse);
    let workerFirst: SyncRun;
    let workerRuns: SyncRun[];
    try {
      // The worker's first sync compiles the code every later one runs; it is reported, not timed.
      workerFirst = await worker.resync();
      workerRuns = await repeat(async () => {
        await quietServer(warehouse);
        return worker.resync();
      });
    } finally {
      await worker.stop();
    }
    const unchanged = medianBy(workerRuns, (run) => run.ms);
    const cliRuns = await repeat(async () => {
      await quietServer(warehouse);
      return runSyncProcess(sim.baseUrl, warehouse);
    });
    const unchangedCli = medianBy(cliRuns, (run) => run.ms);
    const resyncRowsWritten = Math.max(...[workerFirst, ...workerRuns, ...cliRuns].map((run) => run.written));
    log(
      `4 unchanged re-sync: worker ${(unchanged.ms / 1000).toFixed(2)} s (its first ${(workerFirst.ms / 1000).toFixed(2)} s), ` +
        `bwsync sync ${(unchangedCli.ms / 1000).toFixed(2)} s, ${resyncRowsWritten} rows written`,
    );

    await fetch(`${sim.origin}/__sim/mutate`, {
      method: 'POST',
      body: JSON.stringify({ seed: 5, updates: 0.05 }),
    });
    const after = await snapshot(sim.baseUrl);
    const changedRowsExpected = countChanges(before, after);
    const changed = await runSyncProcess(sim.baseUrl, warehouse);
    log(`5 re-sync after 5% changed: ${changed.written} rows written, ${changedRowsExpected} expected`);
    await sim.stop();

    const largeScale = scale * 10;
    const large = await startSimProcess(largeScale);
    const largeWarehouse = await freshDatabase();
    await quietServer(largeWarehouse);
    const largeRun = await runSyncProcess(large.baseUrl, largeWarehouse);
    await large.stop();
    log(
      `6 memory: peak RSS ${peakRssMb} MB at scale ${scale}, ${largeRun.peakRssMb} MB at scale ${largeScale}`,
    );

    const polite = await startSimProcess(Math.min(scale, 0.3), [
      '--latency-ms',
      '50',
      '--rate-limit-rps',
      '20',
    ]);
    const politeRun = await runSyncProcess(polite.baseUrl, await freshDatabase(), {
      BETTERWORKS_RATE_LIMIT_RPS: '20',
      BETTERWORKS_MAX_IN_FLIGHT: '4',
    });
    const stats = await simStats(polite.origin);
    await polite.stop();
    const achievedRps = (stats.byStatus['200'] ?? 0) / (politeRun.ms / 1000);
    log(`7 politeness: ${achievedRps.toFixed(1)} requests/s against a limit of 20, ${stats.throttled} × 429`);

    const records = fetchLimit.records;
    const fetchLimitRps = records / (fetchLimit.ms / 1000);
    const copyLimitRps = records / (copyMs / 1000);
    const fullSyncRps = records / (full.ms / 1000);
    // Judged on the figures as measured, not as rounded for display (0.4996 is not 0.5).
    const exact = {
      fullSyncRatio: fullSyncRps / Math.min(fetchLimitRps, copyLimitRps),
      resyncTimeRatio: unchanged.ms / fetchLimit.ms,
      resyncCliTimeRatio: unchangedCli.ms / freshFetch.ms,
      rssRatio: largeRun.peakRssMb / peakRssMb,
      politeness: achievedRps / 20,
    };
    const figures = {
      scale,
      repeats,
      records,
      rows: before.size,
      fetchLimitRps: Math.round(fetchLimitRps),
      copyLimitRps: Math.round(copyLimitRps),
      fullSyncRps: Math.round(fullSyncRps),
      fullSyncRatio: roundDown(exact.fullSyncRatio),
      resyncTimeRatio: roundUp(exact.resyncTimeRatio),
      resyncFirstInWorkerTimeRatio: round(workerFirst.ms / fetchLimit.ms),
      fetchLimitFreshProcessRps: Math.round(records / (freshFetch.ms / 1000)),
      resyncCliTimeRatio: roundUp(exact.resyncCliTimeRatio),
      resyncCliToFetchLimitTimeRatio: round(unchangedCli.ms / fetchLimit.ms),
      resyncRowsWritten,
      changedRowsWritten: changed.written,
      changedRowsExpected,
      rssSmallMb: peakRssMb,
      rssLargeMb: largeRun.peakRssMb,
      rssSmallRecords: records,
      rssLargeRecords: Math.round(records * 10),
      rssRatio: roundUp(exact.rssRatio),
      processStartMs: full.startupMs,
      politeness: roundDown(exact.politeness),
      provoked429: stats.throttled,
    };
    const targets = [
      ['full sync ≥ 0.5 × min(fetch, copy)', exact.fullSyncRatio >= 0.5],
      [
        'unchanged re-sync ≤ 1.3 × fetch time, 0 rows (worker; and bwsync sync against a fresh process)',
        exact.resyncTimeRatio <= 1.3 && exact.resyncCliTimeRatio <= 1.3 && figures.resyncRowsWritten === 0,
      ],
      ['changed rows written = changes', figures.changedRowsWritten === figures.changedRowsExpected],
      ['peak RSS large ≤ 1.5 × small, < 300 MB', exact.rssRatio <= 1.5 && figures.rssLargeMb < 300],
      ['politeness ≥ 0.9, 0 × 429', exact.politeness >= 0.9 && figures.provoked429 === 0],
    ] as const;
    if (args.json)
      process.stdout.write(
        `${JSON.stringify({ ...figures, targetsMet: Object.fromEntries(targets) }, null, 2)}\n`,
      );
    else
      process.stdout.write(
        `\n${renderTable(figures)}\n\n${targets.map(([t, ok]) => `${ok ? 'met   ' : 'MISSED'} ${t}`).join('\n')}\n`,
      );
    if (!args['no-write']) writeFileSync(args.out as string, renderMarkdown(figures, targets, versions));
  } finally {
    rmSync(copyDir, { recursive: true, force: true });
    await dropDatabases();
  }
}

/** What profiles of the sync showed; update it when a change moves the figures. */
const WHAT_LIMITS_IT = `## What limits it now (profiled 2026-12-05, fourth session)

Figures move by 5 to 20% from run to run on this shared machine (a virtual machine with 2 cores), so
each timed step runs three times and the median counts, and before each one the bench drops the
databases of earlier steps, runs CHECKPOINT and sync(1). The simulator, the sync and Postgres share the
machine's 2 cores in every step. Targets are judged on the ratios as measured, not as rounded for display.

- **Fetch limit** (0.63 to 0.76 s for 105k records, 1290 requests, after one untimed run; 0.86 to 1.0 s
  in a fresh process). The client process is the limit: a request through ky and undici's fetch costs
  about 300 to 400 µs of CPU, of which writing it to the socket is about 150 µs (on loopback the write
  wakes the simulator, which then takes the core). ky is this project's HTTP client; ky over a node:http
  or an undici.request transport was slower still (460 to 570 µs: every body is wrapped in Response and
  Headers objects).
- **Copy limit** (1.38 to 1.57 s today): four COPY streams at once, as the sync loads four resources at
  once. Postgres uses about 2.0 CPU-s in it, 1.3 cores: sampled during the copy, its backends waited on
  WAL locks (WALWrite, WALBufMapping) in about a third of the samples (wal_buffers is 4 MB here). With
  wal_buffers at 64 MB (tried, then reset) the copy took 1.27 to 1.33 s instead of 1.58 to 1.60, while
  full syncs took about as long as before (2.89 to 3.02 s): the full sync is not waiting on Postgres.
- **Full sync: at the target, not reliably above it.** Ratios today, all on this machine (2 × Intel
  Xeon): 0.481 at the start of the session; 0.508, 0.473 after the first change; 0.514, 0.501, 0.486,
  0.454, 0.471, 0.436, 0.4996 and 0.480 (the table above) with all of them, the last five while the
  machine ran slower (a fetch limit of 0.67 to 0.76 s, against 0.63 to 0.67 s before; the copy limit,
  1.38 to 1.57 s, moved less); full sync 2.87 to 3.21 s. The day's changes:
  - timestamps are written with 32-bit integer arithmetic and a table of digit pairs: 116 -> 46 ns each
    (about 300k per full sync);
  - staging reads each resource's tables from one array of same-shaped entries instead of walking each
    resource's tables object and each record's rows object: those met new hidden classes with every
    resource and had V8 deoptimize and recompile the staging code each time. TurboFan time spent
    recompiling: 125-172 -> 88 ms per full sync; six alternating full syncs, median 3002 -> 2947 ms,
    process CPU 3.24 -> 3.13 s;
  - the NUL and depth walk of every record is skipped where the page's text shows neither (no \\u0000
    escape; the scan that finds each record's bytes now also measures nesting): about 60 ms of the main
    thread in a profile, within the noise of full syncs (ten alternating: 3160 vs 3155 ms).
  What limits it is the machine's CPU. A full sync's process uses 3.2 to 3.4 CPU-s, of which about 0.55
  is start-up before the timed window; in the window, the sync about 2.75 CPU-s, Postgres 2.03 to 2.10,
  the simulator about 0.5: about 5.3 CPU-s, so at least 2.65 s on 2 cores even if neither were ever
  idle, a ratio of at most about 0.55 against a 1.46 s copy limit. Runs reach 85 to 90% of that bound,
  so the run-to-run noise decides whether a run reads 0.48 or 0.52. Of the sync's main thread (a CPU
  profile of 3.4 s, start-up 0.35 s of it): HTTP about 0.6 s (undici 0.28, socket writes 0.19, ky 0.09),
  staging 0.41, garbage collection 0.27, validation 0.24, JSON.parse 0.18, finding and hashing records'
  bytes 0.15, writes to Postgres' sockets 0.14, waiting 0.3. V8 compiles on background threads for about
  0.55 CPU-s (per-thread perf samples: TurboFan 12%, Maglev 3% of the process's); zod's compiled
  validators are about 0.2 s of that TurboFan time, and still pay for themselves (without \`z.compile\`:
  six alternating full syncs, 3279 against 3077 ms).
  Tried today and dropped: \`--single-threaded-gc\` again (collection CPU halves, 151 ms on the main
  thread and none in the background against 207 + 104 ms, yet eight alternating full syncs took 3038
  against 2977 ms); earlier Maglev and TurboFan tier-up (3330 against 3036 ms), no Maglev (3321 against
  3124), later Maglev, eager feedback vectors (\`--no-lazy-feedback-allocation\`), Node's compile cache
  (start-up only: 3037 against 3063 ms), Buffer#set instead of Buffer#copy (the same once warm). Earlier
  sessions: a 16 MB young generation, \`--no-parallel-scavenge\`, \`--v8-pool-size\` 1 and 2, a
  smaller inlining budget, batches of 1,000 or 10,000 records (3,000 is fastest), validating and staging
  on a worker thread (slower on 2 cores: it compiled everything twice).
  What would move it: more cores, or Postgres and the API on other machines as in production (the copy
  limit does not share its cores with an API server; the full sync does); a cheaper HTTP path than ky
  over fetch (about 170 µs of CPU per request, 0.2 s per full sync); not compiling the code in each new
  process (about 0.5 CPU-s, the cost of a fresh Node process: two syncs in one process take 0.3 s less
  the second time).
- **Unchanged re-sync: met** (target 1.3): by the worker, after its first run, 1.10 to 1.25 times the
  fetch limit today; as bwsync sync, 0.96 to 1.11 times a fetch in a fresh process. An unchanged resource
  costs 9 statements; held pages are marked seen by position; resources start largest first.
- **Peak RSS** is flat from 100k to 1M records, about 190 to 210 MB and 210 to 256 MB: the bwsync shebang
  starts Node with a small young generation (\`--max-semi-space-size=8\`) and has the old generation
  collected once it doubles (\`--heap-growing-percent=100\`); a sync keeps about 30 to 50 MB alive (three
  batches of 3,000 records per resource in flight). About 120 MB of it is Node and the loaded modules
  before any data (18 MB of that is Node's TypeScript type stripper).
- Fixed on the way: a request's timeout did not cover its body (ky's ends with the headers), so a body
  that stopped arriving held a sync for undici's 5 minutes; epoch seconds beyond what a Date can hold
  (1e20) threw out of normalization instead of quarantining the record; earlier, \`backfill --wait\`
  reported the longest job instead of the wall time, the CLI loaded BullMQ, Express and Bull Board for
  every command, records were deep-copied to strip NULs they did not have, and delete detection planned
  a correlated NOT EXISTS as one scan per row.`;

/** Runs a timed step `repeats` times, one after another. */
async function repeat<T>(step: () => Promise<T>): Promise<T[]> {
  const runs: T[] = [];
  for (let i = 0; i < repeats; i++) runs.push(await step());
  return runs;
}

/** The run with the median time (the lower middle one for an even count). */
function medianBy<T>(runs: T[], time: (run: T) => number): T {
  const sorted = [...runs].sort((a, b) => time(a) - time(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

/** Ratios to three decimals: two would show 0.497 as 0.5. */
function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

// A ratio with a target is shown rounded toward missing it, so that what is shown never contradicts the
// verdict: a full sync at 0.4996 of the limit shows 0.499, not 0.5 next to MISSED.
function roundDown(n: number): number {
  return Math.floor(n * 1000) / 1000;
}

function roundUp(n: number): number {
  return Math.ceil(n * 1000) / 1000;
}

type Figures = Record<string, number>;

function renderTable(f: Figures): string {
  return formatTable(
    ['measure', 'value', 'meaning'],
    [
      ['fetch limit', `${f.fetchLimitRps} rec/s`, 'pages fetched and parsed, nothing else'],
      [
        '… in a fresh process',
        `${f.fetchLimitFreshProcessRps} rec/s`,
        'the same, Node start-up compilation included',
      ],
      ['copy limit', `${f.copyLimitRps} rec/s`, 'the same rows with plain COPY into empty tables'],
      ['full sync', `${f.fullSyncRps} rec/s`, `ratio ${f.fullSyncRatio} to the smaller limit`],
      [
        'unchanged re-sync',
        `${f.resyncTimeRatio} × fetch time`,
        `by the worker; ${f.resyncRowsWritten} rows written (its first after start: ${f.resyncFirstInWorkerTimeRatio} ×)`,
      ],
      [
        '… as bwsync sync',
        `${f.resyncCliTimeRatio} × fetch time`,
        `both in a fresh process (${f.resyncCliToFetchLimitTimeRatio} × the fetch limit above)`,
      ],
      [
        'after 5% changed',
        `${f.changedRowsWritten} rows written`,
        `${f.changedRowsExpected} rows changed at the source`,
      ],
      [
        'peak RSS',
        `${f.rssSmallMb} → ${f.rssLargeMb} MB`,
        `ratio ${f.rssRatio} for ${f.rssSmallRecords} → ${f.rssLargeRecords} records`,
      ],
      ['politeness', `${f.politeness}`, `${f.provoked429} × 429 provoked`],
    ],
  );
}

function renderMarkdown(
  f: Figures,
  targets: readonly (readonly [string, boolean])[],
  versions: Record<string, unknown>,
): string {
  return `# Benchmark results

Written by \`npm run bench -- --scale ${f.scale}\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${versions.cpus}, ${versions.memoryGb} GB; Node ${versions.node}; Postgres ${versions.postgres}.
Simulator seed ${SEED}, ${f.records} records (${f.rows} rows with nested children); page size ${PAGE_SIZE};
${CONCURRENCY} resources at once. The simulator, the sync and Postgres share the machine's cores.
Each timed step ran ${f.repeats} time(s) and its median is shown; peak RSS is the highest of the runs.

${renderTable(f)
  .split('\n')
  .map((line) => `    ${line}`)
  .join('\n')}

| target | met |
|---|---|
${targets.map(([t, ok]) => `| ${t} | ${ok ? 'yes' : '**no**'} |`).join('\n')}

${WHAT_LIMITS_IT}

Figures as JSON:

\`\`\`json
${JSON.stringify(f, null, 2)}
\`\`\`
`;
}

if (args['fetch-once']) {
  const names = args.order?.split(',') ?? [];
  startOrder = [...resources].sort((a, b) => names.indexOf(a.name) - names.indexOf(b.name));
  const { records, ms } = await measureFetchLimit(args['fetch-once']);
  process.stdout.write(JSON.stringify({ records, ms }));
} else await main();
