/**
 * Backfills: on-demand runs enqueued for the workers, and following them to their end.
 */
import { type Job, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Resource } from '../src/betterworks/resources/define-resource.ts';
import {
  defaultJobOptions,
  QUEUE_NAME,
  type SyncJobData,
  type SyncJobResult,
  type SyncQueue,
} from './queue.ts';

export async function enqueueBackfill(
  queue: SyncQueue,
  resources: readonly Resource[],
  options: { restart: boolean; allowDeletes: boolean; attempts: number },
): Promise<Job<SyncJobData, SyncJobResult>[]> {
  const stamp = Date.now();
  // Waiting for a job (waitForBackfill) listens for its queue's closing: one listener per resource is
  // not the leak Node warns about from eleven on.
  queue.setMaxListeners(Math.max(queue.getMaxListeners(), resources.length + 10));
  // One call for all of them: atomic, and one round trip.
  return queue.addBulk(
    resources.map((resource) => ({
      name: 'sync',
      data: {
        resource: resource.name,
        trigger: 'backfill' as const,
        restart: options.restart,
        allowDeletes: options.allowDeletes,
      },
      opts: { ...defaultJobOptions(options.attempts), jobId: `backfill:${resource.name}:${stamp}` },
    })),
  );
}

export interface BackfillOutcome {
  jobId: string;
  resource: string;
  result?: SyncJobResult;
  failedReason?: string;
}

/** Waits for every job to finish (completed, or failed for good), reporting progress as it comes. */
export async function waitForBackfill(
  connection: Redis,
  prefix: string,
  jobs: readonly Job<SyncJobData, SyncJobResult>[],
  onProgress: (resource: string, progress: { pages: number; records: number }) => void,
): Promise<BackfillOutcome[]> {
  const events = new QueueEvents(QUEUE_NAME, { connection, prefix });
  await events.waitUntilReady();
  const resourceOf = new Map(jobs.map((job) => [job.id as string, job.data.resource]));
  events.on('progress', ({ jobId, data }) => {
    const resource = resourceOf.get(jobId);
    if (resource && data && typeof data === 'object')
      onProgress(resource, data as { pages: number; records: number });
  });
  try {
    return await Promise.all(
      jobs.map(async (job) => {
        const base = { jobId: job.id as string, resource: job.data.resource };
        try {
          return { ...base, result: await job.waitUntilFinished(events) };
        } catch (error) {
          return { ...base, failedReason: error instanceof Error ? error.message : String(error) };
        }
      }),
    );
  } finally {
    await events.close();
  }
}
