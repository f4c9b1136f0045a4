/**
 * The sync job processor: runs one resource and is the one place that maps our outcomes to BullMQ.
 *
 * - ok, partial (delete refused) and forbidden: the job completes with the run's result.
 * - key rejected, privacy notice pending, bad configuration, unknown resource: UnrecoverableError (no retry
 *   can succeed; an operator must act).
 * - rate limited beyond the client's retries: the queue is rate-limited for the wait the API asked for and
 *   the job is retried then, without spending an attempt (RateLimitError).
 * - another run of the resource holds its lock: a scheduled tick is skipped (the running one covers it); a
 *   backfill is deferred. Neither spends an attempt.
 * - the worker is shutting down: the current batch has committed with its checkpoint; the job goes back
 *   to the queue without spending an attempt and resumes from the checkpoint.
 * - anything else: a plain error, retried with exponential backoff.
 */
import { DelayedError, type Job, RateLimitError, UnrecoverableError } from 'bullmq';
import type { Resource } from '../src/betterworks/resources/define-resource.ts';
import { findResource } from '../src/betterworks/resources/registry.ts';
import { isFatalForRun, RateLimitedError } from '../src/errors.ts';
import type { Logger } from '../src/logger.ts';
import { type RunResult, runSync, type SyncDeps } from '../src/sync/run-sync.ts';
import { runSummary } from '../src/sync/summary.ts';
import type { Alerter } from './alerts.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { SyncJobData, SyncJobResult, SyncQueue } from './queue.ts';

const BACKFILL_DEFER_MS = 30_000;
const SHUTDOWN_REQUEUE_MS = 1_000;
const DEFAULT_RATE_LIMIT_MS = 60_000;
const PROGRESS_EVERY_MS = 1_000;

export interface ProcessorContext {
  deps: SyncDeps;
  queue: SyncQueue;
  alerts: Alerter;
  metrics: WorkerMetrics;
  log: Logger;
}

export function jobResultFrom(
  result: RunResult,
  status: SyncJobResult['status'] = result.status,
): SyncJobResult {
  return { ...runSummary(result), status };
}

export function createSyncProcessor(context: ProcessorContext) {
  // The worker never waits for a lock: an overlapping run is skipped or deferred instead.
  const deps: SyncDeps = { ...context.deps, settings: { ...context.deps.settings, lockTimeoutMs: 0 } };

  return async (
    job: Job<SyncJobData, SyncJobResult>,
    token?: string,
    signal?: AbortSignal,
  ): Promise<SyncJobResult> => {
    const log = context.log.child({ jobId: job.id, resource: job.data.resource, trigger: job.data.trigger });
    const resource: Resource | undefined = findResource(job.data.resource);
    if (!resource) throw new UnrecoverableError(`unknown resource "${job.data.resource}" in job ${job.id}`);

    let lastProgressAt = 0;
    const result = await runSync(resource, deps, {
      trigger: job.data.trigger,
      restart: job.data.restart ?? false,
      allowMassDelete: job.data.allowDeletes ?? false,
      signal,
      jobId: job.id,
      onProgress: (progress) => {
        if (Date.now() - lastProgressAt < PROGRESS_EVERY_MS) return;
        lastProgressAt = Date.now();
        job.updateProgress({ pages: progress.pages, records: progress.records }).catch(() => {});
      },
    });
    if (result.runId !== null || result.errorCode !== 'SYNC_LOCKED') context.metrics.observeRun(result);

    if (result.error instanceof RateLimitedError) {
      const waitMs = result.error.retryAfterMs ?? DEFAULT_RATE_LIMIT_MS;
      log.warn(
        { waitMs },
        'rate limited by Betterworks; pausing the queue and retrying without spending an attempt',
      );
      await context.queue.rateLimit(waitMs);
      throw new RateLimitError();
    }
    if (result.status === 'ok' || result.status === 'forbidden') return jobResultFrom(result);
    if (result.status === 'partial') {
      if (result.deleteRefused) {
        await context.alerts.send({
          event: 'delete_refused',
          resource: resource.name,
          runId: result.runId,
          status: result.status,
          message: `delete detection refused to soft-delete a large share of ${resource.name}; check the source, then run \`bwsync sync ${resource.name} --allow-deletes\``,
        });
      }
      return jobResultFrom(result);
    }

    if (result.errorCode === 'SYNC_LOCKED') {
      if (job.data.trigger === 'schedule') {
        log.warn('skipped this scheduled run: the previous run of this resource is still going');
        return jobResultFrom(result, 'skipped');
      }
      log.warn(`deferred by ${BACKFILL_DEFER_MS / 1000}s: another run of this resource is still going`);
      await job.moveToDelayed(Date.now() + BACKFILL_DEFER_MS, token);
      throw new DelayedError();
    }
    if (signal?.aborted) {
      log.warn('stopped by shutdown after committing its last batch; requeued to resume from the checkpoint');
      await job.moveToDelayed(Date.now() + SHUTDOWN_REQUEUE_MS, token);
      throw new DelayedError();
    }

    const unrecoverable = isFatalForRun(result.error);
    const attempts = job.opts.attempts ?? 1;
    const willRetry = !unrecoverable && job.attemptsMade + 1 < attempts;
    await context.alerts.send({
      event: 'run_failed',
      resource: resource.name,
      runId: result.runId,
      status: result.status,
      errorCode: result.errorCode,
      willRetry,
      message: `sync failed${willRetry ? ' (will retry)' : ''}: ${result.errorMessage ?? 'unknown error'}`,
    });
    const message = `${result.errorCode ?? 'FAILED'}: ${result.errorMessage ?? 'sync failed'}`;
    if (unrecoverable) throw new UnrecoverableError(message);
    throw new Error(message);
  };
}
