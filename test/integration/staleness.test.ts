import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAlerter } from '../../jobs/alerts.ts';
import { connectProducer } from '../../jobs/connection.ts';
import { checkStaleness } from '../../jobs/staleness.ts';
import { freshDatabase, type TestDatabase, uniqueName } from '../helpers/database.ts';
import { json, startTestServer, type TestServer } from '../helpers/http-server.ts';
import { quietLogger } from '../helpers/sync.ts';
import { clearPrefix, REDIS_URL } from '../helpers/worker.ts';

describe('stale resource alerts', () => {
  let database: TestDatabase;
  let hook: TestServer;
  const received: Record<string, unknown>[] = [];
  beforeAll(async () => {
    database = await freshDatabase();
    hook = await startTestServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        json(res, 200, {});
      });
    });
  });
  afterAll(async () => {
    await hook.stop();
    await database.drop();
  });

  it('alerts once per stale period for a scheduled resource with no recent successful run', async () => {
    const hour = 3_600_000;
    await database.db
      .insertInto('sync_runs')
      .values([
        {
          resource: 'users',
          trigger: 'schedule',
          mode: 'full',
          status: 'ok',
          finished_at: new Date(Date.now() - 48 * hour),
        },
        {
          resource: 'goals',
          trigger: 'schedule',
          mode: 'full',
          status: 'ok',
          finished_at: new Date(Date.now() - 2 * hour),
        },
        { resource: 'goals', trigger: 'schedule', mode: 'full', status: 'failed', finished_at: new Date() },
      ])
      .execute();
    const prefix = uniqueName('bwstale');
    const redis = await connectProducer(REDIS_URL);
    const { log } = quietLogger();
    const options = {
      db: database.db,
      redis,
      alerts: createAlerter(`${hook.origin}/hook`, log),
      prefix,
      schedules: {
        users: { cron: '0 2 * * *', tz: 'UTC' },
        goals: { cron: '0 2 * * *', tz: 'UTC' },
        departments: { cron: null, tz: 'UTC' },
      },
      staleAfterMs: 36 * hour,
      since: Date.now() - 72 * hour,
    };
    expect(await checkStaleness(options)).toEqual(['users']);
    expect(await checkStaleness(options)).toEqual([]);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ source: 'betterworks-sync', event: 'stale', resource: 'users' });
    expect(String(received[0]?.message)).toMatch(/no successful run for more than 36 h/);
    redis.disconnect();
    await clearPrefix(prefix);
  });
});
