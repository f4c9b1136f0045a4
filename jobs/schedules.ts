/**
 * Schedules are BullMQ Job Schedulers with stable ids (`sync:<resource>`), applied idempotently from one
 * place: the configuration. `applySchedules` upserts each configured schedule and removes the schedulers
 * the configuration no longer names. It runs under a Redis lock, so many workers starting at once (or a
 * worker and `bwsync schedules apply`) never race (taskforcesh/bullmq#2988, #3381).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { resources } from '../src/betterworks/resources/registry.ts';
import type { ResourceSchedule } from '../src/config.ts';
import { defaultJobOptions, type SyncQueue } from './queue.ts';

const SCHEDULER_PREFIX = 'sync:';
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 60_000;

export function schedulerId(resource: string): string {
  return `${SCHEDULER_PREFIX}${resource}`;
}

export interface ScheduleChange {
  upserted: string[];
  removed: string[];
}

async function withLock<T>(redis: Redis, key: string, task: () => Promise<T>): Promise<T> {
  const token = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  while ((await redis.set(key, token, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
    if (Date.now() > deadline) throw new Error(`timed out waiting for the schedules lock ${key}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  try {
    return await task();
  } finally {
    // Release only our own lock: compare and delete in one step.
    await redis.eval(
      'if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0',
      1,
      key,
      token,
    );
  }
}

export async function applySchedules(
  queue: SyncQueue,
  redis: Redis,
  options: { prefix: string; schedules: Readonly<Record<string, ResourceSchedule>>; attempts: number },
): Promise<ScheduleChange> {
  return withLock(redis, `${options.prefix}:locks:schedules`, async () => {
    const upserted: string[] = [];
    for (const resource of resources) {
      const schedule = options.schedules[resource.name];
      if (!schedule?.cron) continue;
      await queue.upsertJobScheduler(
        schedulerId(resource.name),
        { pattern: schedule.cron, tz: schedule.tz },
        {
          name: 'sync' as const,
          data: { resource: resource.name, trigger: 'schedule' as const },
          opts: defaultJobOptions(options.attempts),
        },
      );
      upserted.push(schedulerId(resource.name));
    }
    const removed: string[] = [];
    for (const scheduler of await queue.getJobSchedulers(0, -1)) {
      const id = scheduler.id ?? scheduler.key;
      if (id.startsWith(SCHEDULER_PREFIX) && !upserted.includes(id)) {
        await queue.removeJobScheduler(id);
        removed.push(id);
      }
    }
    return { upserted, removed };
  });
}

export interface ScheduleInfo {
  id: string;
  resource: string;
  pattern: string | null;
  tz: string | null;
  next: string | null;
}

export async function listSchedules(queue: SyncQueue): Promise<ScheduleInfo[]> {
  const schedulers = await queue.getJobSchedulers(0, -1, true);
  return schedulers
    .map((s) => {
      const id = s.id ?? s.key;
      return {
        id,
        resource: id.startsWith(SCHEDULER_PREFIX) ? id.slice(SCHEDULER_PREFIX.length) : id,
        pattern: s.pattern ?? null,
        tz: s.tz ?? null,
        next: s.next ? new Date(s.next).toISOString() : null,
      };
    })
    .sort((a, b) => a.resource.localeCompare(b.resource));
}
