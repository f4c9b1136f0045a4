/**
 * Builds what the engine needs from the config: a pool sized for the concurrency, the Kysely over it, the
 * API client with its process-wide limiter. `close()` ends the pool.
 */
import { createApiClient } from '../betterworks/client.ts';
import { type Config, requireApiToken } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createDb } from '../warehouse/db.ts';
import type { SyncDeps } from './run-sync.ts';

export interface SyncContext {
  deps: SyncDeps;
  close(): Promise<void>;
}

export function createSyncContext(
  config: Config,
  log: Logger,
  options: { applicationName?: string; concurrentRuns?: number } = {},
): SyncContext {
  const client = createApiClient(config.betterworks, requireApiToken(config), log);
  // One connection per concurrent run (it holds one from start to end: lock, staging, transactions) plus a
  // few for bookkeeping.
  const { db, pool } = createDb(config.database.url, {
    maxConnections: (options.concurrentRuns ?? config.sync.concurrency) + 3,
    applicationName: options.applicationName ?? 'bwsync-sync',
  });
  const deps: SyncDeps = {
    pool,
    db,
    client,
    log,
    settings: {
      ...config.sync,
      pageSize: config.betterworks.pageSize,
      pathOverrides: config.betterworks.pathOverrides,
    },
  };
  return { deps, close: () => db.destroy() };
}
