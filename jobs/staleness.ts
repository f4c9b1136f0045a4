/**
 * Alerts when a scheduled resource has had no successful run for longer than ALERT_STALE_AFTER_MS. Each
 * stale resource alerts once per stale period across all workers (a Redis key with that lifetime).
 */
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { ResourceSchedule } from '../src/config.ts';
import type { Db } from '../src/warehouse/db.ts';
import type { Alerter } from './alerts.ts';

export async function checkStaleness(options: {
  db: Db;
  redis: Redis;
  alerts: Alerter;
  prefix: string;
  schedules: Readonly<Record<string, ResourceSchedule>>;
  staleAfterMs: number;
  /** When this worker started: a resource that never succeeded is stale only once it had the time. */
  since: number;
}): Promise<string[]> {
  const scheduled = Object.entries(options.schedules)
    .filter(([, schedule]) => schedule.cron)
    .map(([name]) => name);
  if (scheduled.length === 0) return [];
  const rows = await options.db
    .selectFrom('sync_runs')
    .select(['resource', sql<Date>`max(finished_at)`.as('last')])
    .where('status', '=', 'ok')
    .groupBy('resource')
    .execute();
  const lastSuccess = new Map(
    rows.map((row) => [row.resource, row.last ? new Date(row.last).getTime() : null]),
  );
  const now = Date.now();
  const alerted: string[] = [];
  for (const resource of scheduled) {
    const last = lastSuccess.get(resource) ?? null;
    if (now - (last ?? options.since) <= options.staleAfterMs) continue;
    const key = `${options.prefix}:alerts:stale:${resource}`;
    if ((await options.redis.set(key, String(now), 'PX', options.staleAfterMs, 'NX')) !== 'OK') continue;
    const hours = Math.round((options.staleAfterMs / 3_600_000) * 10) / 10;
    await options.alerts.send({
      event: 'stale',
      resource,
      lastSuccessAt: last ? new Date(last).toISOString() : null,
      message: `no successful run for more than ${hours} h (last: ${last ? new Date(last).toISOString() : 'never'}); check \`bwsync runs --resource ${resource}\``,
    });
    alerted.push(resource);
  }
  return alerted;
}
