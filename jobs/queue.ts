/**
 * The one BullMQ queue betterworks-sync uses, its job names and typed payloads. Payloads carry names and
 * flags only: never a token or a connection string. Postgres `sync_runs` is the durable history; the queue
 * keeps recent jobs only.
 */
import { type JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RunSummary } from '../src/sync/summary.ts';

export const QUEUE_NAME = 'sync';

/** `sync` runs one resource. */
export interface SyncJobData {
  resource: string;
  trigger: 'schedule' | 'backfill';
  /** Ignore a saved checkpoint and start a new pass. */
  restart?: boolean;
  /** Confirm a deletion larger than the delete guard allows. */
  allowDeletes?: boolean;
}

/** What a finished sync job returns (kept with the job, shown by `backfill --wait` and Bull Board). */
export type SyncJobResult = Omit<RunSummary, 'status'> & { status: RunSummary['status'] | 'skipped' };

// NameType stays string: bullmq types scheduler ids with the job-name type.
export type SyncQueue = Queue<SyncJobData, SyncJobResult, string>;

const DAY_SECONDS = 86_400;

/** Retries with exponential backoff; completed and failed jobs trimmed by count and age. */
export function defaultJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 1_000, age: 7 * DAY_SECONDS },
    removeOnFail: { count: 5_000, age: 30 * DAY_SECONDS },
  };
}

export function createSyncQueue(connection: Redis, prefix: string): SyncQueue {
  return new Queue<SyncJobData, SyncJobResult, string>(QUEUE_NAME, { connection, prefix });
}
