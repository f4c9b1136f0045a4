/** Wiring for worker tests: unique queue prefixes, config for a simulator and a database, a child worker. */
import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { type Config, loadConfig } from '../../src/config.ts';
import { CLI } from './cli.ts';
import { uniqueName } from './database.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function workerEnv(
  baseUrl: string,
  databaseUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    BETTERWORKS_BASE_URL: baseUrl,
    BETTERWORKS_API_TOKEN: 'sim_super_admin',
    BETTERWORKS_RATE_LIMIT_RPS: '500',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    QUEUE_PREFIX: uniqueName('bwtest'),
    OPS_PORT: '0',
    SCHEDULE_CRON: 'off',
    ...extra,
  };
}

export function configFrom(env: Record<string, string>): Config {
  return loadConfig(env);
}

/** Removes every key of a test's queue prefix. */
export async function clearPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

export interface ChildWorker {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Resolves when the worker printed that it runs. */
  ready: Promise<void>;
}

export function spawnWorker(env: Record<string, string>): ChildWorker {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('bwsync worker running')) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    exited.then(() => {
      clearInterval(timer);
      reject(new Error(`worker exited early:\n${output}`));
    });
  });
  ready.catch(() => {});
  return { process: child, output: () => output, exited, ready };
}

export async function until<T>(
  check: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
