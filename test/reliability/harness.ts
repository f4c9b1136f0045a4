/**
 * Shared pieces of the reliability scenarios: figures printed per scenario, exact comparison of the
 * warehouse with the simulator's truth, and a search for the API token in everything the product wrote.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterEach, expect } from 'vitest';
import { mainTable } from '../../src/betterworks/resources/define-resource.ts';
import { findResource, resources } from '../../src/betterworks/resources/registry.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import type { Truth } from '../helpers/sync.ts';

/** Prints one scenario's figures on one line, so CI output shows them. */
export function report(scenario: number, name: string, figures: Record<string, unknown>): void {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  console.log(`[scenario ${scenario}] ${name}: ${text}`);
}

/** A fresh, distinctive API key on the simulator, so a leak of it can be searched for. */
export async function addSecretKey(
  sim: Simulator,
  role: 'super_admin' | 'user' = 'super_admin',
): Promise<string> {
  const key = `tok_${randomBytes(16).toString('hex')}`;
  await fetch(`${sim.origin}/__sim/keys`, { method: 'POST', body: JSON.stringify({ add: { key, role } }) });
  return key;
}

export async function revokeKey(sim: Simulator, key: string): Promise<void> {
  await fetch(`${sim.origin}/__sim/keys`, { method: 'POST', body: JSON.stringify({ revoke: key }) });
}

export async function truthFor(
  sim: Simulator,
  key: string,
): Promise<Record<string, Truth & { forbidden?: boolean }>> {
  const response = await fetch(`${sim.origin}/__sim/truth?key=${encodeURIComponent(key)}`);
  return ((await response.json()) as { resources: Record<string, Truth & { forbidden?: boolean }> })
    .resources;
}

export interface Comparison {
  expected: number;
  found: number;
  missing: number;
  extra: number;
  duplicates: number;
  childRowsExpected: number;
  childRowsFound: number;
}

/** Compares live warehouse rows with the truth for `key`, resource by resource. */
export async function compareWithTruth(
  database: TestDatabase,
  sim: Simulator,
  key: string,
  names: readonly string[] = resources.map((r) => r.name),
): Promise<Comparison> {
  const truth = await truthFor(sim, key);
  const total: Comparison = {
    expected: 0,
    found: 0,
    missing: 0,
    extra: 0,
    duplicates: 0,
    childRowsExpected: 0,
    childRowsFound: 0,
  };
  for (const name of names) {
    const expected = truth[name];
    if (!expected || expected.forbidden) continue;
    const table = mainTable(findResource(name)!);
    const rows = await sql<{
      id: number;
    }>`select id from ${sql.table(table)} where _deleted_at is null`.execute(database.db);
    const found = rows.rows.map((r) => Number(r.id));
    const foundSet = new Set(found);
    const expectedSet = new Set(expected.ids);
    total.expected += expected.ids.length;
    total.found += found.length;
    total.missing += expected.ids.filter((id) => !foundSet.has(id)).length;
    total.extra += found.filter((id) => !expectedSet.has(id)).length;
    total.duplicates += found.length - foundSet.size;
    for (const [child, count] of Object.entries(expected.rows)) {
      if (child === table) continue;
      const n = await sql<{
        n: number;
      }>`select count(*)::int as n from ${sql.table(child)} where _deleted_at is null`.execute(database.db);
      total.childRowsExpected += count;
      total.childRowsFound += n.rows[0]?.n ?? 0;
    }
  }
  return total;
}

export function expectExact(comparison: Comparison): void {
  expect(comparison).toEqual({
    ...comparison,
    found: comparison.expected,
    missing: 0,
    extra: 0,
    duplicates: 0,
    childRowsFound: comparison.childRowsExpected,
  });
}

/** Every value stored under a Redis key prefix, as text. */
async function redisText(redisUrl: string, prefix: string): Promise<string> {
  const redis = new Redis(redisUrl);
  const parts: string[] = [];
  try {
    const keys = await redis.keys(`${prefix}:*`);
    for (const key of keys) {
      const type = await redis.type(key);
      parts.push(key);
      if (type === 'string') parts.push((await redis.get(key)) ?? '');
      else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
      else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } finally {
    redis.disconnect();
  }
  return parts.join('\n');
}

/** Text of every row of every table in the warehouse. */
async function databaseText(database: TestDatabase): Promise<string> {
  const tables = await sql<{
    name: string;
  }>`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(
    database.db,
  );
  const parts: string[] = [];
  for (const table of tables.rows) {
    const rows = await sql<{
      t: string | null;
    }>`select string_agg(row_to_json(x)::text, E'\n') as t from ${sql.table(table.name)} x`.execute(
      database.db,
    );
    parts.push(rows.rows[0]?.t ?? '');
  }
  return parts.join('\n');
}

/** Asserts the token appears nowhere: outputs, logs, webhook bodies, every table, every Redis value. */
export async function expectNoLeak(
  scenario: number,
  token: string,
  sources: { texts?: string[]; database?: TestDatabase; redis?: { url: string; prefix: string } },
): Promise<{ searchedBytes: number }> {
  const texts = [...(sources.texts ?? [])];
  if (sources.database) texts.push(await databaseText(sources.database));
  if (sources.redis) texts.push(await redisText(sources.redis.url, sources.redis.prefix));
  const all = texts.join('\n');
  const occurrences = all.split(token).length - 1;
  report(12, `token search after scenario ${scenario}`, {
    outputsAndLogs: (sources.texts ?? []).length,
    tables: sources.database ? 'all' : 'none',
    redisValues: sources.redis ? 'all under the queue prefix' : 'none',
    searchedBytes: all.length,
    occurrences,
  });
  expect(occurrences, 'the API token leaked').toBe(0);
  return { searchedBytes: all.length };
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Per-test resources for a scenario file: `setup` starts a simulator and a fresh database, and everything
 * pushed on `cleanups` is undone after each test, last first.
 */
export function useScenarioResources() {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  async function setup(
    options: Parameters<typeof startSimulator>[0],
  ): Promise<{ sim: Simulator; database: TestDatabase }> {
    const sim = await startSimulator({ port: 0, ...options });
    const database = await freshDatabase();
    cleanups.push(
      () => sim.stop(),
      () => database.drop(),
    );
    return { sim, database };
  }
  return { setup, cleanups };
}
