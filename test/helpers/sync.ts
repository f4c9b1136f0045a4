/** Wiring for engine tests: a config pointing at a simulator and a test database. */
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createSyncContext, type SyncContext } from '../../src/sync/sync-context.ts';

export function quietLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, log: createLogger({ level: 'info', destination }) };
}

export function syncContextFor(
  baseUrl: string,
  databaseUrl: string,
  token = 'sim_super_admin',
  env: Record<string, string> = {},
): SyncContext & { logLines: string[] } {
  const config = loadConfig({
    BETTERWORKS_BASE_URL: baseUrl,
    BETTERWORKS_API_TOKEN: token,
    BETTERWORKS_RATE_LIMIT_RPS: '500',
    BETTERWORKS_MAX_IN_FLIGHT: '4',
    DATABASE_URL: databaseUrl,
    SYNC_BATCH_ROWS: '200',
    ...env,
  });
  const { lines, log } = quietLogger();
  return { ...createSyncContext(config, log), logLines: lines };
}

export interface Truth {
  count: number;
  ids: number[];
  hash: string;
  rejects: number;
  rows: Record<string, number>;
}

export async function fetchTruth(origin: string): Promise<Record<string, Truth>> {
  const response = await fetch(`${origin}/__sim/truth`);
  return ((await response.json()) as { resources: Record<string, Truth> }).resources;
}

export async function mutate(origin: string, body: unknown) {
  const response = await fetch(`${origin}/__sim/mutate`, { method: 'POST', body: JSON.stringify(body) });
  return (
    (await response.json()) as {
      mutated: Record<string, { inserted: number[]; updated: number[]; deleted: number[] }>;
    }
  ).mutated;
}
