import { readdirSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { databaseUrl, dropDatabase, uniqueName } from '../helpers/database.ts';

describe('bwsync demo', () => {
  const name = uniqueName('bwsync_demo');
  const url = databaseUrl(name);
  afterAll(() => dropDatabase(name));

  it('needs no key: creates the database, syncs the simulated company and shows an analytics query', async () => {
    const result = await runCli(['demo', '--scale', '0.1'], { DATABASE_URL: url });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const migrations = readdirSync(new URL('../../migrations/', import.meta.url)).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(result.stdout).toContain(`created it; ${migrations.length} migration(s) applied`);
    expect(result.stdout).toContain('Overall: ok');
    expect(result.stdout).toContain('analytics.goal_progress_by_department');
    expect(result.stdout).toContain('npx bwsync probe');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const counts = await client.query(
      "select (select count(*)::int from users) as users, (select count(*)::int from goals) as goals, (select count(*)::int from sync_runs where status = 'ok' and trigger = 'demo') as runs",
    );
    await client.end();
    expect(counts.rows[0]).toMatchObject({ users: 50, runs: 13 });
    expect(counts.rows[0].goals).toBeGreaterThan(100);
  });

  it('runs again over its own data, but refuses a database that holds a real tenant', async () => {
    expect((await runCli(['demo', '--scale', '0.1'], { DATABASE_URL: url })).code).toBe(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(
      "insert into sync_runs (resource, trigger, mode, status) values ('users', 'cli', 'full', 'ok')",
    );
    await client.end();
    const refused = await runCli(['demo', '--scale', '0.1'], { DATABASE_URL: url });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('point DATABASE_URL at another database for the demo');
  });
});
