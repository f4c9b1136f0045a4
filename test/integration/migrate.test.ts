import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { databaseUrl, dropDatabase, uniqueName } from '../helpers/database.ts';

describe('bwsync migrate', () => {
  const name = uniqueName('bwsync_migrate');
  const url = databaseUrl(name);
  afterAll(() => dropDatabase(name));

  it('creates a missing database, applies the migrations, and applies nothing the second time', async () => {
    const first = await runCli(['migrate'], { DATABASE_URL: url });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`created database ${name}`);
    expect(first.stdout).toMatch(/^applied \d{8}T\d{4}_initial_schema$/m);

    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const tables = await client.query(
      "select count(*)::int as n from information_schema.tables where table_schema = 'public' and table_name in ('sync_runs', 'sync_state', 'sync_rejects', 'goals', 'users')",
    );
    await client.end();
    expect(tables.rows[0].n).toBe(5);

    const second = await runCli(['migrate'], { DATABASE_URL: url });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(`database ${name} is up to date; nothing to apply\n`);
  });

  it('exits 2 with one line per configuration problem', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(`
      "bwsync: DATABASE_URL: expected a URL like postgres://user@host:5432/database
      bwsync: LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")
      "
    `);
  });

  it('exits 1 with a clear message when Postgres cannot be reached', async () => {
    const result = await runCli(['migrate'], {
      DATABASE_URL: 'postgres://postgres:hunter2-secret@127.0.0.1:1/x',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^bwsync: could not connect to Postgres at 127\.0\.0\.1:1 .*check DATABASE_URL/,
    );
    expect(result.stderr).not.toContain('hunter2-secret');
  });

  it('exits 2 on a usage error and 0 on --help', async () => {
    expect((await runCli(['no-such-command'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('migrate');
    expect((await runCli(['migrate', '--help'])).code).toBe(0);
  });
});
