/**
 * Prometheus metrics for `/metrics`. Run and row figures are read from `sync_runs` at scrape time, so they
 * agree with the durable history whichever worker ran what; API request counts and run durations are this
 * process's own.
 */
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunResult } from '../src/sync/run-sync.ts';
import type { Db } from '../src/warehouse/db.ts';
import type { SyncQueue } from './queue.ts';

const OUTCOMES = ['inserted', 'updated', 'unchanged', 'deleted', 'rejected'] as const;

export interface WorkerMetrics {
  registry: Registry;
  /** Records what a run did with the API (this process's counters). */
  observeRun(result: RunResult): void;
}

export function createWorkerMetrics(db: Db, queue: SyncQueue): WorkerMetrics {
  const registry = new Registry();
  const apiRequests = new Counter({
    name: 'bwsync_api_requests_total',
    help: 'Betterworks API responses received by this process, by HTTP status',
    labelNames: ['status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'bwsync_run_duration_seconds',
    help: 'Duration of sync runs executed by this process',
    labelNames: ['resource', 'status'],
    buckets: [1, 5, 15, 60, 300, 900, 3600, 10800],
    registers: [registry],
  });
  new Gauge({
    name: 'bwsync_runs',
    help: 'Sync runs recorded in sync_runs, by resource and status',
    labelNames: ['resource', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('sync_runs')
        .select(['resource', 'status', sql<number>`count(*)::int`.as('n')])
        .groupBy(['resource', 'status'])
        .execute();
      for (const row of rows) this.set({ resource: row.resource, status: row.status }, row.n);
    },
  });
  new Gauge({
    name: 'bwsync_rows',
    help: 'Rows processed by sync runs (sums over sync_runs), by resource and outcome',
    labelNames: ['resource', 'outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('sync_runs')
        .select([
          'resource',
          sql<number>`sum(rows_inserted)::float8`.as('inserted'),
          sql<number>`sum(rows_updated)::float8`.as('updated'),
          sql<number>`sum(rows_unchanged)::float8`.as('unchanged'),
          sql<number>`sum(rows_deleted)::float8`.as('deleted'),
          sql<number>`sum(rows_rejected)::float8`.as('rejected'),
        ])
        .groupBy('resource')
        .execute();
      for (const row of rows)
        for (const outcome of OUTCOMES) this.set({ resource: row.resource, outcome }, row[outcome]);
    },
  });
  new Gauge({
    name: 'bwsync_api_429',
    help: '429 Too Many Requests answers received (sums over sync_runs), by resource',
    labelNames: ['resource'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('sync_runs')
        .select(['resource', sql<number>`sum(http_429s)::float8`.as('n')])
        .groupBy('resource')
        .execute();
      for (const row of rows) this.set({ resource: row.resource }, row.n);
    },
  });
  new Gauge({
    name: 'bwsync_last_success_timestamp_seconds',
    help: 'End time of the last successful run, by resource (Unix seconds)',
    labelNames: ['resource'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('sync_runs')
        .select(['resource', sql<number>`extract(epoch from max(finished_at))::float8`.as('t')])
        .where('status', '=', 'ok')
        .groupBy('resource')
        .execute();
      for (const row of rows) this.set({ resource: row.resource }, row.t);
    },
  });
  new Gauge({
    name: 'bwsync_queue_jobs',
    help: 'Jobs in the sync queue, by state',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      const counts = await queue.getJobCounts(
        'waiting',
        'active',
        'delayed',
        'failed',
        'completed',
        'prioritized',
      );
      for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
    },
  });
  return {
    registry,
    observeRun(result) {
      for (const [status, n] of Object.entries(result.http.byStatus)) apiRequests.inc({ status }, n);
      duration.observe({ resource: result.resource, status: result.status }, result.durationMs / 1000);
    },
  };
}
