/**
 * Error classes with a stable `code`, context fields and `cause`.
 *
 * Two families matter to the engine: transport errors (`ApiError` and its subclasses) decide retries and
 * whether a run can continue; data errors never throw (a bad record becomes a reject, see normalize).
 * Messages say what happened, where, and what to do next. They never contain a secret.
 */

export type ErrorContext = Record<string, string | number | boolean | null | undefined>;

export class BwsyncError extends Error {
  readonly code: string;
  readonly context: ErrorContext;

  constructor(code: string, message: string, options: { context?: ErrorContext; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.context = options.context ?? {};
  }
}

/** One or more configuration values are missing or invalid. Exit code 2. */
export class ConfigError extends BwsyncError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super('CONFIG_INVALID', `invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Where an API call happened, for messages and support tickets. */
export interface RequestInfo {
  method: string;
  path: string;
  status?: number;
  requestId: string;
  resource?: string;
}

function where(info: RequestInfo): string {
  const status = info.status === undefined ? '' : ` → ${info.status}`;
  return `${info.method} ${info.path}${status} (X-Request-Id ${info.requestId})`;
}

/** Base of every failure talking to the Betterworks API. */
export class ApiError extends BwsyncError {
  readonly request: RequestInfo;
  /** Whether the client may try the same request again. */
  readonly retryable: boolean;

  constructor(
    code: string,
    summary: string,
    request: RequestInfo,
    options: { advice?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    const advice = options.advice ? ` ${options.advice}` : '';
    super(code, `${summary}: ${where(request)}.${advice}`, {
      context: { ...request },
      cause: options.cause,
    });
    this.request = request;
    this.retryable = options.retryable ?? false;
  }
}

export const KEY_REJECTED_ADVICE =
  'The API key was rejected: it may have been revoked, or its user deactivated. ' +
  'A Super Admin can generate a new key in Betterworks under Admin → Platform Configuration → Betterworks API; ' +
  'then set BETTERWORKS_API_TOKEN (or BETTERWORKS_API_TOKEN_FILE) and run `bwsync probe`.';

/** 401: the key is bad, revoked or its user deactivated. Stops every resource. */
export class KeyRejectedError extends ApiError {
  constructor(request: RequestInfo) {
    super('BW_KEY_REJECTED', 'Betterworks rejected the API key', request, { advice: KEY_REJECTED_ADVICE });
  }
}

/** 403: this key's role may not read this resource. Other resources continue. */
export class ForbiddenError extends ApiError {
  constructor(request: RequestInfo, detail?: string) {
    super(
      'BW_FORBIDDEN',
      `Betterworks refused this resource to the key's role${detail ? ` ("${detail}")` : ''}`,
      request,
      { advice: 'A complete sync needs a key whose user is a Super Admin.' },
    );
  }
}

/** 403 with the privacy-notice message: the key's user never accepted it. Stops every resource. */
export class PrivacyNoticeError extends ApiError {
  constructor(request: RequestInfo) {
    super('BW_PRIVACY_NOTICE_PENDING', "The API key's user has not accepted the privacy notice", request, {
      advice: "Log in to Betterworks once as the key's user and accept the privacy notice, then run again.",
    });
  }
}

export class NotFoundError extends ApiError {
  constructor(request: RequestInfo) {
    super('BW_NOT_FOUND', 'Betterworks has no such path', request, {
      advice:
        'The path may be wrong for this tenant: run `bwsync probe` and correct it with BETTERWORKS_PATH_<RESOURCE>.',
    });
  }
}

export class RateLimitedError extends ApiError {
  /** How long the API asked us to wait, when it said so. */
  readonly retryAfterMs: number | undefined;

  constructor(request: RequestInfo, retryAfterMs: number | undefined, retryable = false) {
    super('BW_RATE_LIMITED', 'Betterworks kept answering 429 Too Many Requests', request, {
      retryable,
      advice: 'Lower BETTERWORKS_RATE_LIMIT_RPS; the run keeps its checkpoint and resumes later.',
    });
    this.retryAfterMs = retryAfterMs;
  }
}

export class ServerError extends ApiError {
  constructor(request: RequestInfo, retryable: boolean) {
    super('BW_SERVER_ERROR', 'Betterworks answered with a server error', request, {
      retryable,
      advice: 'This is usually temporary; the run keeps its checkpoint and can be resumed.',
    });
  }
}

export class NetworkError extends ApiError {
  constructor(request: RequestInfo, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('BW_NETWORK', `Could not reach Betterworks (${reason})`, request, {
      retryable: true,
      cause,
      advice: 'Check BETTERWORKS_BASE_URL and the network; the run can be resumed.',
    });
  }
}

export class BadResponseError extends ApiError {
  constructor(request: RequestInfo, problem: string) {
    super('BW_BAD_RESPONSE', `Betterworks answered with an unexpected body (${problem})`, request, {
      advice: 'Run `bwsync probe` to see what this path returns; the path may need an override.',
    });
  }
}

/** A next-page URL pointed somewhere other than the configured API origin. */
export class CrossOriginError extends ApiError {
  constructor(request: RequestInfo, target: string) {
    super('BW_CROSS_ORIGIN', `Refused a next-page URL on another origin (${target})`, request, {
      advice:
        'The token is only ever sent to BETTERWORKS_BASE_URL; report this response to Betterworks support.',
    });
  }
}

/** The pages started repeating: the API's pagination is not advancing. */
export class PageLoopError extends ApiError {
  constructor(request: RequestInfo) {
    super('BW_PAGE_LOOP', 'The API returned a page that was already read, so pagination stopped', request, {
      advice: 'Report this to Betterworks support with the request id; the resource was not reconciled.',
    });
  }
}

/** Another process holds the resource's lock. */
export class LockTimeoutError extends BwsyncError {
  constructor(resource: string, waitedMs: number) {
    super(
      'SYNC_LOCKED',
      `another sync of ${resource} is running (waited ${waitedMs} ms for its lock); ` +
        'wait for it to finish, or raise SYNC_LOCK_TIMEOUT_MS',
      { context: { resource } },
    );
  }
}

/** Errors after which no other resource should continue: the key itself is unusable. */
export function isFatalForRun(error: unknown): boolean {
  return (
    error instanceof KeyRejectedError || error instanceof PrivacyNoticeError || error instanceof ConfigError
  );
}
