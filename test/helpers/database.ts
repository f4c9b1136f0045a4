/**
 * Each integration test file gets its own freshly migrated database, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDb, type Db, migrateDatabase } from '../../src/warehouse/db.ts';

/** The server the tests use; the database part of the URL is replaced per test file. */
export const TEST_POSTGRES_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  pool: pg.Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

export async function freshDatabase(): Promise<TestDatabase> {
  const name = uniqueName('bwsync_test');
  const url = databaseUrl(name);
  await migrateDatabase(url);
  const { db, pool } = createDb(url, { maxConnections: 4 });
  return {
    name,
    url,
    db,
    pool,
    async drop() {
      await db.destroy();
      await dropDatabase(name);
    },
  };
}
