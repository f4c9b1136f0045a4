/**
 * The pino root logger, and the one place where secrets are kept out of every output.
 *
 * Two layers: pino's path redaction censors `authorization` fields wherever they sit in a log object, and
 * every serialized line passes through `scrubSecrets`, which replaces each registered secret value (the API
 * token, a database password) anywhere in the text: URLs, error messages, causes and nested fields alike.
 * Logs go to stderr as JSON lines, or as readable text when stderr is a terminal; stdout stays free for
 * command output such as `--json` summaries.
 */
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

const REDACTED = '[REDACTED]';
const secrets = new Set<string>();

/** Registers a value that must never appear in logs, errors, run records or job data. */
export function registerSecret(value: string | undefined): void {
  // Very short values would censor ordinary words; real tokens and passwords are longer.
  if (value && value.length >= 4) secrets.add(value);
}

/** Registers the password of a connection URL, if it has one. */
export function registerUrlSecret(connectionUrl: string): void {
  try {
    const password = new URL(connectionUrl).password;
    if (password) {
      registerSecret(password);
      registerSecret(decodeURIComponent(password));
    }
  } catch {
    // An unparsable URL is reported by config; there is no password to learn from it.
  }
}

/** Replaces every registered secret in `text`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join(REDACTED);
  }
  return out;
}

const REDACT_PATHS = [
  'authorization',
  'Authorization',
  '*.authorization',
  '*.Authorization',
  '*.*.authorization',
  '*.*.Authorization',
  '*.*.*.authorization',
  '*.*.*.Authorization',
  'token',
  '*.token',
  'apiToken',
  '*.apiToken',
  '*.*.apiToken',
];

export interface LoggerOptions {
  level?: string;
  /** Where to write; defaults to stderr (pretty when it is a TTY). */
  destination?: DestinationStream;
}

/** Creates a logger; entrypoints create one and pass it down (or use `log`). */
export function createLogger(options: LoggerOptions = {}): Logger {
  const destination =
    options.destination ??
    (process.stderr.isTTY
      ? pretty({ destination: 2, colorize: true, translateTime: 'SYS:HH:MM:ss', sync: true })
      : pino.destination({ dest: 2, sync: true }));
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'bwsync' },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
      hooks: { streamWrite: scrubSecrets },
    },
    destination,
  );
}

/** The process-wide logger; `setLogLevel` adjusts it once config is known. */
const initialLevel = process.env.LOG_LEVEL ?? 'info';
export const log: Logger = createLogger({
  level: initialLevel in pino.levels.values || initialLevel === 'silent' ? initialLevel : 'info',
});

export function setLogLevel(level: string): void {
  log.level = level;
}
