/**
 * The warehouse connection: a Kysely instance over a pg pool, database creation and migrations.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect } from 'kysely';
import { FileMigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import { BwsyncError } from '../errors.ts';
import type { Database } from './tables.ts';

export type Db = Kysely<Database>;

// bigint (int8) as a JavaScript number where it is safe; ids in Betterworks fit in 53 bits.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
});
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface DbOptions {
  /** Largest number of pooled connections (default 10). */
  maxConnections?: number;
  applicationName?: string;
  /** Give up connecting after this long (default: wait as long as the operating system does). */
  connectTimeoutMs?: number;
}

export function createPool(url: string, options: DbOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'bwsync',
    connectionTimeoutMillis: options.connectTimeoutMs,
  });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

export function createDb(url: string, options: DbOptions = {}): { db: Db; pool: pg.Pool } {
  const pool = createPool(url, options);
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.slice(1));
}

function describeConnectError(url: string, error: unknown): BwsyncError {
  const parsed = new URL(url);
  const reason = error instanceof Error ? error.message : String(error);
  return new BwsyncError(
    'DB_UNREACHABLE',
    `could not connect to Postgres at ${parsed.hostname}:${parsed.port || 5432} (${reason}); ` +
      'check DATABASE_URL and that Postgres is running',
    { cause: error },
  );
}

/** Creates the database named in `url` if it does not exist. Returns true when it created it. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (error) {
    throw describeConnectError(url, error);
  }
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return false;
    try {
      await client.query(`create database ${pg.escapeIdentifier(name)}`);
    } catch (error) {
      // Another process may have created it at the same moment.
      if ((error as { code?: string }).code !== '42P04') throw error;
      return false;
    }
    return true;
  } finally {
    await client.end();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: migrations take Kysely<any> by design
export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_FOLDER }),
  });
}

/** Throws a clear error when the database has migrations still to apply (or cannot be reached). */
export async function assertMigrated(db: Db, url: string): Promise<void> {
  let pending: string[];
  try {
    const migrations = await createMigrator(db).getMigrations();
    pending = migrations.filter((migration) => !migration.executedAt).map((migration) => migration.name);
  } catch (error) {
    throw describeConnectError(url, error);
  }
  if (pending.length > 0) {
    throw new BwsyncError(
      'DB_NOT_MIGRATED',
      `database ${databaseName(url)} is missing ${pending.length} migration(s) (${pending.join(', ')}); run \`bwsync migrate\` first`,
    );
  }
}

export interface MigrateResult {
  created: boolean;
  applied: string[];
}

/** Creates the database if needed and applies every pending migration. */
export async function migrateDatabase(url: string): Promise<MigrateResult> {
  const created = await ensureDatabase(url);
  const { db } = createDb(url, { maxConnections: 2, applicationName: 'bwsync-migrate' });
  try {
    const { error, results } = await createMigrator(db).migrateToLatest();
    const failed = results?.find((result) => result.status === 'Error');
    if (error || failed) {
      const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
      throw new BwsyncError(
        'DB_MIGRATION_FAILED',
        `migration ${failed?.migrationName ?? '(unknown)'} failed: ${reason}`,
        { cause: error },
      );
    }
    return { created, applied: (results ?? []).map((result) => result.migrationName) };
  } finally {
    await db.destroy();
  }
}

/**
 * A Kysely instance bound to one pg client. A sync run keeps one connection for its advisory lock, its
 * temp staging tables and its transactions, so COPY, upserts and the checkpoint commit together.
 */
export function dbOnClient(client: pg.ClientBase): Db {
  const poolClient = {
    query: client.query.bind(client),
    release: () => {},
  };
  return new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: { connect: async () => poolClient, end: async () => {} } as unknown as pg.Pool,
    }),
  });
}
