/**
 * The Betterworks HTTP client (ky underneath): authentication, a fresh X-Request-Id per request, the
 * process-wide limiter, retries with jittered exponential backoff that honour Retry-After, and typed
 * errors. The token is only ever sent to the configured origin.
 *
 * Retried: 429, 500, 502, 503, 504, timeouts and connection failures (reads are idempotent).
 * Never retried: 400, 401, 403, 404 and bodies that are not JSON.
 */
import { randomUUID } from 'node:crypto';
import ky from 'ky';
import {
  type ApiError,
  BadResponseError,
  ConfigError,
  CrossOriginError,
  ForbiddenError,
  KeyRejectedError,
  NetworkError,
  NotFoundError,
  PrivacyNoticeError,
  RateLimitedError,
  type RequestInfo,
  ServerError,
} from '../errors.ts';
import type { Logger } from '../logger.ts';
import { type Clock, RequestLimiter, realClock } from './limiter.ts';

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const BACKOFF_BASE_MS = 500;

/** Counters a caller passes to learn how its requests went (per run, per resource). */
export interface RequestCounters {
  requests: number;
  retries: number;
  throttled: number;
  byStatus: Record<string, number>;
}

export function newCounters(): RequestCounters {
  return { requests: 0, retries: 0, throttled: 0, byStatus: {} };
}

export interface ApiClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  maxRetries: number;
  /** Ceiling on any one wait; a Retry-After above it ends the request with RateLimitedError. */
  retryMaxWaitMs: number;
  limiter: RequestLimiter;
  log?: Logger;
  clock?: Clock;
  /** Random in [0, 1) for jitter; injectable for tests. */
  random?: () => number;
}

export interface RequestContext {
  resource?: string;
  signal?: AbortSignal;
  counters?: RequestCounters;
}

/** A successful response whose body has not been decoded or parsed yet. */
export interface BodyResponse {
  status: number;
  /**
   * The body's bytes as received (not empty). Kept as bytes until parsed: a buffer's contents live outside
   * the JavaScript heap, so the garbage collector neither copies nor scans a page waiting for its batch,
   * and a page that need not be parsed is never decoded.
   */
  body: Buffer;
  requestId: string;
  url: string;
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Where a body's JSON starts: after the byte order mark it may start with. */
export function jsonStart(body: Buffer): number {
  return body.subarray(0, 3).equals(UTF8_BOM) ? 3 : 0;
}

/** A body's text: UTF-8, without the byte order mark a JSON body may start with. */
export function decodeBody(body: Buffer): string {
  return body.toString('utf8', jsonStart(body));
}

export interface JsonResponse {
  status: number;
  body: unknown;
  requestId: string;
  url: string;
}

/** Parses a successful response's body; a body that is not JSON is a BadResponseError. */
export function parseBody(response: BodyResponse, resource?: string): unknown {
  const text = decodeBody(response.body);
  try {
    return JSON.parse(text);
  } catch {
    throw new BadResponseError(
      {
        method: 'GET',
        path: new URL(response.url).pathname,
        status: response.status,
        requestId: response.requestId,
        resource,
      },
      `not JSON: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname.startsWith('127.');
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds from now. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function detailOf(body: unknown): string | undefined {
  if (body && typeof body === 'object' && 'detail' in body && typeof body.detail === 'string') {
    return body.detail.slice(0, 300);
  }
  return undefined;
}

function isPrivacyRefusal(body: unknown): boolean {
  const text = JSON.stringify(body ?? '').toLowerCase();
  return text.includes('privacy');
}

export class ApiClient {
  readonly baseUrl: string;
  readonly origin: string;
  private readonly basePath: string;
  private readonly options: ApiClientOptions;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(options: ApiClientOptions) {
    const base = new URL(options.baseUrl);
    if (base.protocol !== 'https:' && !(base.protocol === 'http:' && isLoopback(base.hostname))) {
      throw new ConfigError([
        'BETTERWORKS_BASE_URL: expected https:// (plain http is only allowed for loopback hosts such as the simulator)',
      ]);
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.origin = base.origin;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.options = options;
    this.clock = options.clock ?? realClock;
    this.random = options.random ?? Math.random;
  }

  /** A path under the base ("/users/") or an absolute URL on the same origin, as a URL. */
  resolve(pathOrUrl: string, context: RequestContext = {}): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      if (url.origin !== this.origin) {
        throw new CrossOriginError(
          { method: 'GET', path: url.pathname, requestId: '(not sent)', resource: context.resource },
          url.origin,
        );
      }
      return url;
    }
    return new URL(`${this.origin}${this.basePath}${pathOrUrl}`);
  }

  /** GETs JSON with retries. Throws a typed ApiError when the request cannot succeed. */
  async getJson(pathOrUrl: string, context: RequestContext = {}): Promise<JsonResponse> {
    const response = await this.getBody(pathOrUrl, context);
    const { status, requestId, url } = response;
    return { status, body: parseBody(response, context.resource), requestId, url };
  }

  /**
   * Like `getJson`, but leaves a successful body as bytes: a page fetched ahead waits as one buffer rather
   * than as the objects it would parse into (see `parseBody`).
   */
  async getBody(pathOrUrl: string, context: RequestContext = {}): Promise<BodyResponse> {
    const url = this.resolve(pathOrUrl, context);
    const { maxRetries } = this.options;
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(url, context);
      if (outcome.kind === 'ok') return outcome.response;
      const error = outcome.error;
      if (!error.retryable || attempt >= maxRetries) throw this.finalError(error);
      const waitMs = this.retryWaitMs(error, attempt);
      if (waitMs === undefined) throw this.finalError(error);
      if (context.counters) context.counters.retries++;
      this.options.log?.warn(
        {
          code: error.code,
          requestId: error.request.requestId,
          path: url.pathname,
          attempt: attempt + 1,
          waitMs,
        },
        `retrying after ${error.code}`,
      );
      await this.clock.sleep(waitMs, context.signal);
    }
  }

  /** How long to wait before the next attempt, or undefined when the wait would exceed the ceiling. */
  private retryWaitMs(error: ApiError, attempt: number): number | undefined {
    const { retryMaxWaitMs } = this.options;
    if (error instanceof RateLimitedError && error.retryAfterMs !== undefined) {
      if (error.retryAfterMs > retryMaxWaitMs) return undefined;
      // Every request in the process waits with this one; a little jitter spreads the restart.
      const waitMs = error.retryAfterMs + Math.round(this.random() * 250);
      this.options.limiter.pauseFor(waitMs);
      return waitMs;
    }
    const ceiling = Math.min(retryMaxWaitMs, BACKOFF_BASE_MS * 2 ** attempt);
    // "Equal jitter": at least half the exponential step, so retries never bunch at zero.
    const waitMs = Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
    if (error instanceof RateLimitedError) this.options.limiter.pauseFor(waitMs);
    return waitMs;
  }

  /** Retryable errors that ran out of attempts become their final, non-retryable form. */
  private finalError(error: ApiError): ApiError {
    if (error instanceof RateLimitedError)
      return new RateLimitedError(error.request, error.retryAfterMs, false);
    if (error instanceof ServerError) return new ServerError(error.request, false);
    return error;
  }

  private async attempt(
    url: URL,
    context: RequestContext,
  ): Promise<{ kind: 'ok'; response: BodyResponse } | { kind: 'error'; error: ApiError }> {
    const requestId = randomUUID();
    const info: RequestInfo = {
      method: 'GET',
      path: url.pathname + url.search,
      requestId,
      resource: context.resource,
    };
    const counters = context.counters;
    return this.options.limiter.run(async () => {
      if (counters) counters.requests++;
      let response: Response;
      let bytes: Buffer;
      // The timeout covers the body too (ky's own ends when the headers arrive): a body that stops
      // arriving is retried rather than waited on. Cleared once the body is in, so no timer outlives
      // its request.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.options.timeoutMs);
      try {
        response = await ky.get(url, {
          headers: {
            Authorization: `APIToken ${this.options.token}`,
            Accept: 'application/json',
            'X-Request-Id': requestId,
          },
          timeout: false,
          retry: 0,
          throwHttpErrors: false,
          redirect: 'manual',
          signal: context.signal ? AbortSignal.any([context.signal, timeout.signal]) : timeout.signal,
        });
        bytes = Buffer.from(await response.arrayBuffer());
      } catch (error) {
        if (context.signal?.aborted) throw context.signal.reason;
        const cause = timeout.signal.aborted
          ? new Error(`timed out after ${this.options.timeoutMs} ms`)
          : error;
        return { kind: 'error', error: new NetworkError(info, cause) };
      } finally {
        clearTimeout(timer);
      }
      const status = response.status;
      if (counters) counters.byStatus[status] = (counters.byStatus[status] ?? 0) + 1;
      const withStatus = { ...info, status };
      if (status >= 200 && status < 300) {
        if (bytes.length === 0)
          return { kind: 'error', error: new BadResponseError(withStatus, 'empty body') };
        return { kind: 'ok', response: { status, body: bytes, requestId, url: url.toString() } };
      }
      let body: unknown;
      try {
        body = bytes.length > 0 ? JSON.parse(decodeBody(bytes)) : undefined;
      } catch {
        body = undefined;
      }
      return { kind: 'error', error: this.errorFor(withStatus, body, response.headers, counters) };
    }, context.signal);
  }

  private errorFor(info: RequestInfo, body: unknown, headers: Headers, counters?: RequestCounters): ApiError {
    const status = info.status ?? 0;
    if (status === 401) return new KeyRejectedError(info);
    if (status === 403)
      return isPrivacyRefusal(body) ? new PrivacyNoticeError(info) : new ForbiddenError(info, detailOf(body));
    if (status === 404) return new NotFoundError(info);
    if (status === 429) {
      if (counters) counters.throttled++;
      return new RateLimitedError(info, parseRetryAfter(headers.get('retry-after'), this.clock.now()), true);
    }
    if (RETRYABLE_STATUSES.has(status)) return new ServerError(info, true);
    if (status >= 300 && status < 400) {
      return new BadResponseError(info, `redirect to ${headers.get('location') ?? '?'} was not followed`);
    }
    return new BadResponseError(info, `unexpected status${detailOf(body) ? `: ${detailOf(body)}` : ''}`);
  }
}

/** A client and limiter from the grouped config. */
export function createApiClient(
  settings: {
    baseUrl: string;
    timeoutMs: number;
    maxRetries: number;
    retryMaxWaitMs: number;
    rateLimitRps: number;
    maxInFlight: number;
  },
  token: string,
  log?: Logger,
): ApiClient {
  const limiter = new RequestLimiter({
    ratePerSecond: settings.rateLimitRps,
    maxInFlight: settings.maxInFlight,
  });
  return new ApiClient({ ...settings, token, limiter, log });
}
