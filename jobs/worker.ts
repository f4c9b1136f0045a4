/**
 * `bwsync worker`: takes sync jobs from the queue (scheduled and backfills), applies the configured
 * schedules at start under a lock, serves the ops endpoints, and checks for stale resources.
 *
 * Stopping: `stop()` stops taking jobs and aborts the running syncs, each of which commits the batch it
 * holds with its checkpoint and goes back to the queue; whatever is still running after
 * WORKER_SHUTDOWN_TIMEOUT_MS is abandoned (its job becomes stalled and another worker resumes it from the
 * checkpoint). Several workers on several machines can share the queue: BullMQ hands each job to one
 * worker, and the per-resource advisory lock keeps runs of one resource from overlapping.
 */
import { Worker } from 'bullmq';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/logger.ts';
import { createSyncContext } from '../src/sync/sync-context.ts';
import { assertMigrated } from '../src/warehouse/db.ts';
import { createAlerter } from './alerts.ts';
import { createWorkerConnection } from './connection.ts';
import { createWorkerMetrics } from './metrics.ts';
import { type OpsServer, startOpsServer } from './ops-server.ts';
import { createSyncProcessor } from './processor.ts';
import { createSyncQueue, QUEUE_NAME, type SyncJobData, type SyncJobResult } from './queue.ts';
import { applySchedules } from './schedules.ts';
import { checkStaleness } from './staleness.ts';

export interface RunningWorker {
  opsUrl: string | null;
  /** Stops gracefully within the configured bound; resolves when everything is closed. */
  stop(): Promise<void>;
}

export async function startWorker(
  config: Config,
  log: Logger,
  options: { ops?: boolean } = {},
): Promise<RunningWorker> {
  const startedAt = Date.now();
  // The worker runs up to WORKER_CONCURRENCY syncs at once, whatever SYNC_CONCURRENCY says.
  const { deps, close: closeDb } = createSyncContext(config, log, {
    applicationName: 'bwsync-worker',
    concurrentRuns: config.worker.concurrency,
  });
  try {
    await assertMigrated(deps.db, config.database.url);
  } catch (error) {
    await closeDb();
    throw error;
  }
  const queueConnection = createWorkerConnection(config.redis.url);
  const workerConnection = createWorkerConnection(config.redis.url);
  for (const connection of [queueConnection, workerConnection]) {
    connection.on('error', (error) => log.warn({ err: error }, 'Redis connection error; reconnecting'));
  }
  const queue = createSyncQueue(queueConnection, config.queue.prefix);
  const alerts = createAlerter(config.alerts.webhookUrl, log);
  const metrics = createWorkerMetrics(deps.db, queue);

  const applied = await applySchedules(queue, queueConnection, {
    prefix: config.queue.prefix,
    schedules: config.schedules,
    attempts: config.queue.attempts,
  });
  log.info({ schedules: applied.upserted.length, removed: applied.removed }, 'schedules applied');

  const processor = createSyncProcessor({ deps, queue, alerts, metrics, log });
  const worker = new Worker<SyncJobData, SyncJobResult>(QUEUE_NAME, processor, {
    connection: workerConnection,
    prefix: config.queue.prefix,
    concurrency: config.worker.concurrency,
    // BullMQ renews a running job's lock every half period; a worker that died stops renewing, and its
    // job is handed to another worker after one more period, to resume from its checkpoint.
    lockDuration: config.worker.lockDurationMs,
    stalledInterval: config.worker.lockDurationMs,
    maxStalledCount: 3,
  });
  worker.on('failed', (job, error) => log.warn({ jobId: job?.id, err: error }, 'job failed'));
  worker.on('error', (error) => log.error({ err: error }, 'worker error'));

  let ops: OpsServer | null = null;
  if (options.ops ?? true) {
    ops = await startOpsServer({
      host: config.ops.host,
      port: config.ops.port,
      db: deps.db,
      redis: queueConnection,
      queue,
      registry: metrics.registry,
    });
    log.info({ url: ops.url }, 'ops endpoints: /healthz /readyz /metrics /admin/queues');
  }

  const staleTimer = setInterval(() => {
    checkStaleness({
      db: deps.db,
      redis: queueConnection,
      alerts,
      prefix: config.queue.prefix,
      schedules: config.schedules,
      staleAfterMs: config.alerts.staleAfterMs,
      since: startedAt,
    }).catch((error: unknown) => log.warn({ err: error }, 'staleness check failed'));
  }, config.alerts.checkIntervalMs);
  staleTimer.unref();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      clearInterval(staleTimer);
      log.info(
        { boundMs: config.worker.shutdownTimeoutMs },
        'stopping: no new jobs; running syncs commit their batch',
      );
      worker.cancelAllJobs('worker shutting down');
      const closed = worker.close();
      const bound = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), config.worker.shutdownTimeoutMs).unref(),
      );
      if ((await Promise.race([closed, bound])) === 'timeout') {
        log.warn(
          'shutdown bound reached; abandoning running jobs (another worker resumes them from their checkpoints)',
        );
        await worker.close(true).catch(() => {});
      }
      await ops?.close();
      await queue.close();
      queueConnection.disconnect();
      workerConnection.disconnect();
      await closeDb();
    })();
    return stopping;
  };
  return { opsUrl: ops?.url ?? null, stop };
}
