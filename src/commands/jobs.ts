/** `bwsync worker`, `bwsync schedules` and `bwsync backfill`: the commands that talk to the queue. */
import { enqueueBackfill, waitForBackfill } from '../../jobs/backfill.ts';
import { connectProducer, createWorkerConnection } from '../../jobs/connection.ts';
import { createSyncQueue } from '../../jobs/queue.ts';
import { applySchedules, listSchedules } from '../../jobs/schedules.ts';
import { startWorker } from '../../jobs/worker.ts';
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { type Config, requireApiToken } from '../config.ts';
import { formatTable } from '../format-table.ts';
import { log } from '../logger.ts';
import { createProgressDisplay } from '../sync/progress-display.ts';
import { summaryJson, summaryText } from '../sync/summary.ts';
import { idleRunResult, overallStatus, type SyncSummary } from '../sync/sync-resources.ts';
import { createDb } from '../warehouse/db.ts';
import { largestFirst } from '../warehouse/largest-first.ts';
import { configure, EXIT_FOR_STATUS, selectResources, untilSignal } from './shared.ts';

export async function worker(): Promise<void> {
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

export async function schedulesApply(): Promise<void> {
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

export async function schedulesList(flags: { json?: boolean }): Promise<void> {
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

/**
 * The resources in the order to start them, largest first, when the warehouse answers within a moment;
 * otherwise as given (the order is only an optimization, and the workers may run elsewhere).
 */
async function inStartOrder(config: Config, selected: Resource[]): Promise<Resource[]> {
  const { db } = createDb(config.database.url, {
    maxConnections: 1,
    applicationName: 'bwsync-backfill',
    connectTimeoutMs: 2_000,
  });
  try {
    return await largestFirst(db, selected);
  } finally {
    await db.destroy();
  }
}

/** The backfill's outcome as a sync summary; its duration is the wall time from enqueueing to the last job done. */
function summaryFromBackfill(
  outcomes: Awaited<ReturnType<typeof waitForBackfill>>,
  durationMs: number,
): SyncSummary {
  const results = outcomes.map(({ resource, result, failedReason }) =>
    result
      ? idleRunResult(resource, {
          ...result,
          // A skipped tick is not a failure: the run it overlapped covers it.
          status: result.status === 'skipped' ? 'ok' : result.status,
          deleteRefused: result.errorCode === 'DELETE_GUARD',
        })
      : idleRunResult(resource, { errorMessage: failedReason }),
  );
  return {
    status: overallStatus(results),
    results,
    durationMs,
  };
}

export async function backfill(names: string[], flags: BackfillFlags): Promise<void> {
  const selected = selectResources(names);
  const config = configure({ quietOnTerminal: true });
  await withQueue(config, async (queue) => {
    const enqueuedAt = Date.now();
    // The worker takes jobs in the order they were added: the largest first (see largest-first.ts).
    const jobs = await enqueueBackfill(queue, await inStartOrder(config, selected), {
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
      const order = selected.map((resource) => resource.name);
      outcomes.sort((a, b) => order.indexOf(a.resource) - order.indexOf(b.resource));
      const summary = summaryFromBackfill(outcomes, Date.now() - enqueuedAt);
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
