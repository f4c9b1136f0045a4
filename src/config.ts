/**
 * Every setting of betterworks-sync, read from environment variables by one zod schema.
 *
 * `loadConfig(env)` parses once, reports every bad value at once (each line names the variable and what
 * was expected) and returns a frozen, grouped object. The README's configuration table lists the same
 * variables with the same defaults.
 */
import { readFileSync } from 'node:fs';
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { resourceNames } from './betterworks/resources/registry.ts';
import { ConfigError } from './errors.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);

function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

const postgresUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.pathname.length > 1;
  } catch {
    return false;
  }
}, 'expected a URL like postgres://user@host:5432/database');

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isCron(value: string): boolean {
  try {
    CronExpressionParser.parse(value);
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, 'expected an IANA time zone such as UTC or Europe/Berlin');
const cronPattern = z
  .string()
  .refine(
    (value) => value.toLowerCase() === 'off' || isCron(value),
    'expected a cron pattern such as "0 2 * * *" (minute hour day month weekday), or "off"',
  );

const apiPath = z
  .string()
  .regex(/^\/[^?#]*\/$/, 'expected a path that starts and ends with "/", like /goals/filter/');

/** The flat environment, as operators write it. */
const envSchema = z.object({
  BETTERWORKS_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an http(s) URL like https://app.betterworks.com/api/v1' })
    .refine((value) => {
      const url = new URL(value);
      return url.protocol === 'https:' || isLoopbackHost(url.hostname);
    }, 'expected https:// (plain http is only allowed for loopback hosts such as the simulator)')
    .default('https://app.betterworks.com/api/v1'),
  BETTERWORKS_API_TOKEN: z.string().min(1, 'expected a non-empty API key').optional(),
  BETTERWORKS_RATE_LIMIT_RPS: z.coerce
    .number()
    .positive('expected a number of requests per second > 0')
    .default(5),
  BETTERWORKS_MAX_IN_FLIGHT: positiveInt(2),
  BETTERWORKS_TIMEOUT_MS: positiveInt(30_000),
  BETTERWORKS_MAX_RETRIES: nonNegativeInt(6),
  BETTERWORKS_RETRY_MAX_WAIT_MS: positiveInt(120_000),
  BETTERWORKS_PAGE_SIZE: positiveInt(100),
  DATABASE_URL: postgresUrl.default('postgres://postgres@127.0.0.1:5432/betterworks'),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'expected a URL like redis://127.0.0.1:6379' })
    .default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  SYNC_BATCH_ROWS: positiveInt(3_000),
  SYNC_CONCURRENCY: positiveInt(4),
  SYNC_DELETE_MAX_SHARE: z.coerce
    .number()
    .min(0, 'expected a share between 0 and 1')
    .max(1, 'expected a share between 0 and 1')
    .default(0.1),
  SYNC_DELETE_GUARD_MIN_ROWS: nonNegativeInt(10),
  SYNC_LOCK_TIMEOUT_MS: nonNegativeInt(10_000),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected letters, digits, _ or - (at most 40)')
    .default('bwsync'),
  JOB_ATTEMPTS: positiveInt(3),
  WORKER_CONCURRENCY: positiveInt(2),
  WORKER_SHUTDOWN_TIMEOUT_MS: positiveInt(30_000),
  WORKER_LOCK_DURATION_MS: positiveInt(30_000),
  OPS_HOST: z.string().min(1).default('127.0.0.1'),
  OPS_PORT: z.coerce.number().int().min(0).max(65_535, 'expected a port from 0 to 65535').default(9464),
  SCHEDULE_CRON: cronPattern.default('0 2 * * *'),
  SCHEDULE_TZ: timeZone.default('UTC'),
  ALERT_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  ALERT_STALE_AFTER_MS: positiveInt(36 * 3_600_000),
  ALERT_CHECK_INTERVAL_MS: positiveInt(300_000),
});

export type Env = Record<string, string | undefined>;

const PATH_PREFIX = 'BETTERWORKS_PATH_';
const SCHEDULE_PREFIX = 'SCHEDULE_';
const SCHEDULE_SETTINGS = new Set(['SCHEDULE_CRON', 'SCHEDULE_TZ']);

/** A resource's schedule: a cron pattern (null: not scheduled) in a time zone. */
export interface ResourceSchedule {
  cron: string | null;
  tz: string;
}

function readScheduleOverrides(env: Env, problems: string[]) {
  const crons: Record<string, string | null> = {};
  const zones: Record<string, string> = {};
  const known = new Set(resourceNames);
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(SCHEDULE_PREFIX) || SCHEDULE_SETTINGS.has(key) || value === undefined) continue;
    const rest = key.slice(SCHEDULE_PREFIX.length).toLowerCase();
    if (rest.endsWith('_tz') && known.has(rest.slice(0, -3))) {
      if (isTimeZone(value)) zones[rest.slice(0, -3)] = value;
      else problems.push(`${key}: expected an IANA time zone such as UTC or Europe/Berlin (got "${value}")`);
    } else if (known.has(rest)) {
      if (value.toLowerCase() === 'off') crons[rest] = null;
      else if (isCron(value)) crons[rest] = value;
      else problems.push(`${key}: expected a cron pattern such as "0 2 * * *", or "off" (got "${value}")`);
    } else {
      problems.push(
        `${key}: expected SCHEDULE_<RESOURCE> or SCHEDULE_<RESOURCE>_TZ with one of ${resourceNames.join(', ')}`,
      );
    }
  }
  return { crons, zones };
}

/** Reads `*_FILE` secrets and path overrides; returns the problems it found alongside. */
function readSecretsAndOverrides(env: Env) {
  const problems: string[] = [];
  const values: Env = { ...env };
  const tokenFile = env.BETTERWORKS_API_TOKEN_FILE;
  if (tokenFile) {
    if (env.BETTERWORKS_API_TOKEN) {
      problems.push('BETTERWORKS_API_TOKEN_FILE: expected either it or BETTERWORKS_API_TOKEN, not both');
    } else {
      try {
        values.BETTERWORKS_API_TOKEN = readFileSync(tokenFile, 'utf8').trim();
      } catch (error) {
        const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
        problems.push(`BETTERWORKS_API_TOKEN_FILE: expected a readable file with the API key (${reason})`);
      }
    }
  }

  const pathOverrides: Record<string, string> = {};
  const known = new Set(resourceNames);
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith(PATH_PREFIX) || value === undefined) continue;
    const resource = key.slice(PATH_PREFIX.length).toLowerCase();
    if (!known.has(resource)) {
      problems.push(`${key}: expected BETTERWORKS_PATH_<RESOURCE> with one of ${resourceNames.join(', ')}`);
      continue;
    }
    const parsed = apiPath.safeParse(value);
    if (parsed.success) pathOverrides[resource] = parsed.data;
    else problems.push(`${key}: ${parsed.error.issues[0]?.message}`);
  }
  const scheduleOverrides = readScheduleOverrides(env, problems);
  return { values, pathOverrides, scheduleOverrides, problems };
}

function group(
  env: z.infer<typeof envSchema>,
  pathOverrides: Record<string, string>,
  overrides: { crons: Record<string, string | null>; zones: Record<string, string> },
) {
  const defaultCron = env.SCHEDULE_CRON.toLowerCase() === 'off' ? null : env.SCHEDULE_CRON;
  const schedules: Record<string, ResourceSchedule> = Object.fromEntries(
    resourceNames.map((name) => [
      name,
      {
        cron: name in overrides.crons ? (overrides.crons[name] ?? null) : defaultCron,
        tz: overrides.zones[name] ?? env.SCHEDULE_TZ,
      },
    ]),
  );
  return {
    betterworks: {
      baseUrl: env.BETTERWORKS_BASE_URL.replace(/\/+$/, ''),
      apiToken: env.BETTERWORKS_API_TOKEN,
      rateLimitRps: env.BETTERWORKS_RATE_LIMIT_RPS,
      maxInFlight: env.BETTERWORKS_MAX_IN_FLIGHT,
      timeoutMs: env.BETTERWORKS_TIMEOUT_MS,
      maxRetries: env.BETTERWORKS_MAX_RETRIES,
      retryMaxWaitMs: env.BETTERWORKS_RETRY_MAX_WAIT_MS,
      pageSize: env.BETTERWORKS_PAGE_SIZE,
      pathOverrides,
    },
    database: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL },
    log: { level: env.LOG_LEVEL },
    sync: {
      batchRows: env.SYNC_BATCH_ROWS,
      concurrency: env.SYNC_CONCURRENCY,
      deleteMaxShare: env.SYNC_DELETE_MAX_SHARE,
      deleteGuardMinRows: env.SYNC_DELETE_GUARD_MIN_ROWS,
      lockTimeoutMs: env.SYNC_LOCK_TIMEOUT_MS,
    },
    queue: { prefix: env.QUEUE_PREFIX, attempts: env.JOB_ATTEMPTS },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      shutdownTimeoutMs: env.WORKER_SHUTDOWN_TIMEOUT_MS,
      lockDurationMs: env.WORKER_LOCK_DURATION_MS,
    },
    ops: { host: env.OPS_HOST, port: env.OPS_PORT },
    schedules,
    alerts: {
      webhookUrl: env.ALERT_WEBHOOK_URL,
      staleAfterMs: env.ALERT_STALE_AFTER_MS,
      checkIntervalMs: env.ALERT_CHECK_INTERVAL_MS,
    },
  };
}

export type Config = ReturnType<typeof group>;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses the environment. Empty strings count as unset, so `FOO=` in a compose file means "default".
 * @throws ConfigError listing every problem, one line each.
 */
export function loadConfig(env: Env = process.env): Config {
  const nonEmpty: Env = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const { values, pathOverrides, scheduleOverrides, problems } = readSecretsAndOverrides(nonEmpty);
  const parsed = envSchema.safeParse(values);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? 'environment');
      problems.push(`${variable}: ${issue.message}${describeReceived(variable, values[variable])}`);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return deepFreeze(group(parsed.data, pathOverrides, scheduleOverrides));
}

function describeReceived(variable: string, value: string | undefined): string {
  if (value === undefined || variable.includes('TOKEN') || variable.includes('URL')) return '';
  return ` (got "${value}")`;
}

/** The API token, or a ConfigError naming both ways to provide it. */
export function requireApiToken(config: Config): string {
  const token = config.betterworks.apiToken;
  if (!token) {
    throw new ConfigError([
      'BETTERWORKS_API_TOKEN: expected the Betterworks API key (or a file holding it in BETTERWORKS_API_TOKEN_FILE)',
    ]);
  }
  return token;
}

/** Names of every variable the schema reads, for the docker-compose check and the README. */
export const configVariableNames: readonly string[] = [
  ...Object.keys(envSchema.shape),
  'BETTERWORKS_API_TOKEN_FILE',
];

/** True for variables that are valid by pattern rather than by name. */
export function isPatternVariable(name: string): boolean {
  return name.startsWith(PATH_PREFIX) || name.startsWith(SCHEDULE_PREFIX);
}
