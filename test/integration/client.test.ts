import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, decodeBody, newCounters, parseRetryAfter } from '../../src/betterworks/client.ts';
import { RequestLimiter } from '../../src/betterworks/limiter.ts';
import { firstPageUrl, paginate } from '../../src/betterworks/paginate.ts';
import { findResource } from '../../src/betterworks/resources/registry.ts';
import { loadConfig } from '../../src/config.ts';
import {
  ConfigError,
  CrossOriginError,
  ForbiddenError,
  KeyRejectedError,
  NotFoundError,
  PageLoopError,
  PrivacyNoticeError,
  RateLimitedError,
} from '../../src/errors.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { json, startTestServer, type TestServer } from '../helpers/http-server.ts';

function client(
  baseUrl: string,
  token = 'sim_super_admin',
  overrides: Partial<ConstructorParameters<typeof ApiClient>[0]> = {},
) {
  return new ApiClient({
    baseUrl,
    token,
    timeoutMs: 2_000,
    maxRetries: 6,
    retryMaxWaitMs: 5_000,
    limiter: new RequestLimiter({ ratePerSecond: 200, maxInFlight: 4 }),
    random: () => 0,
    ...overrides,
  });
}

async function collect(api: ApiClient, startUrl: string, resource?: string) {
  const pages = [];
  for await (const page of paginate(api, { startUrl, resource })) pages.push(page);
  return pages;
}

const users = findResource('users')!;
const goals = findResource('goals')!;

describe('client against the simulator', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 1, scale: 0.1 });
  });
  afterAll(() => sim.stop());

  it('sends the APIToken header, Accept and a fresh X-Request-Id per request', async () => {
    const listener = await startTestServer((_req, res) => json(res, 200, { results: [], next: null }));
    const api = client(`${listener.origin}/api/v1`, 'secret-token-value');
    await api.getJson('/users/');
    await api.getJson('/users/');
    const [first, second] = listener.requests;
    expect(first?.headers.authorization).toBe('APIToken secret-token-value');
    expect(first?.headers.accept).toBe('application/json');
    expect(first?.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers['x-request-id']).not.toBe(first?.headers['x-request-id']);
    await listener.stop();
  });

  it('pages DRF-style and more/nextURL-style resources to the end', async () => {
    const api = client(sim.baseUrl);
    const userPages = await collect(api, firstPageUrl(users, users.path, 20), 'users');
    expect(userPages.map((p) => p.style)).toEqual(Array(3).fill('drf'));
    expect(userPages.flatMap((p) => p.records)).toHaveLength(50);
    const goalPages = await collect(api, firstPageUrl(goals, goals.path, 20), 'goals');
    expect(goalPages.every((p) => p.style === 'more-next-url')).toBe(true);
    expect(goalPages.flatMap((p) => p.records)).toHaveLength(100);
    expect(goalPages.at(-1)?.nextUrl).toBeNull();
  });

  it('does not retry 401 or 403, and types each refusal', async () => {
    for (const [token, path, type] of [
      ['sim_revoked', '/users/', KeyRejectedError],
      ['sim_user', '/departments/', ForbiddenError],
      ['sim_privacy_pending', '/users/', PrivacyNoticeError],
      ['sim_super_admin', '/no-such-thing/', NotFoundError],
    ] as const) {
      const counters = newCounters();
      const error = await client(sim.baseUrl, token)
        .getJson(path, { counters })
        .catch((e: unknown) => e);
      expect(error, token).toBeInstanceOf(type);
      expect(counters.requests, token).toBe(1);
      expect((error as Error).message).not.toContain(token);
      expect((error as Error).message).toContain('X-Request-Id');
    }
  });

  it('uses a path override to reach a resource the tenant serves elsewhere', async () => {
    const moved = await startSimulator({ port: 0, scale: 0.05, paths: { goals: '/okrs/filter/' } });
    const config = loadConfig({ BETTERWORKS_PATH_GOALS: '/okrs/filter/' });
    const api = client(moved.baseUrl);
    await expect(api.getJson(goals.path)).rejects.toBeInstanceOf(NotFoundError);
    const pages = await collect(api, config.betterworks.pathOverrides.goals ?? '', 'goals');
    expect(pages.flatMap((p) => p.records).length).toBe(50);
    await moved.stop();
  });

  it('keeps the whole process under the configured request rate', async () => {
    const fresh = await startSimulator({ port: 0, scale: 0.05 });
    const api = client(fresh.baseUrl, 'sim_super_admin', {
      limiter: new RequestLimiter({ ratePerSecond: 10, maxInFlight: 2 }),
    });
    await Promise.all(Array.from({ length: 25 }, (_, i) => api.getJson(`/users/?page_size=${i + 1}`)));
    expect(fresh.stats.requests).toBe(25);
    expect(fresh.stats.peakRps).toBeLessThanOrEqual(10);
    await fresh.stop();
  });
});

describe('client retries', () => {
  it('retries 429 and honours Retry-After (the wait is observed)', async () => {
    const sim = await startSimulator({ port: 0, scale: 0.05, rateLimitRps: 1 });
    const api = client(sim.baseUrl);
    const counters = newCounters();
    await api.getJson('/users/', { counters });
    const started = performance.now();
    const response = await api.getJson('/users/?page=1', { counters });
    const waitedMs = performance.now() - started;
    expect(response.status).toBe(200);
    expect(counters.throttled).toBeGreaterThanOrEqual(1);
    expect(counters.retries).toBe(counters.throttled);
    expect(waitedMs).toBeGreaterThanOrEqual(1000);
    await sim.stop();
  });

  it('gives up with RateLimitedError when Retry-After exceeds the ceiling, without waiting it out', async () => {
    const listener = await startTestServer((_req, res) => {
      res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '3600' });
      res.end('{"detail":"slow down"}');
    });
    const error = await client(`${listener.origin}/api/v1`)
      .getJson('/users/')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(3_600_000);
    expect(listener.requests).toHaveLength(1);
    await listener.stop();
  });

  it('retries 500/502/503 and dropped connections until the answer comes', async () => {
    const sim = await startSimulator({ port: 0, seed: 4, scale: 0.1, faultRate: 0.4 });
    const api = client(sim.baseUrl, 'sim_super_admin', { random: () => 0.01 });
    const counters = newCounters();
    const pages = await (async () => {
      const out = [];
      for await (const page of paginate(api, { startUrl: '/users/?page_size=5', counters })) out.push(page);
      return out;
    })();
    expect(pages.flatMap((p) => p.records)).toHaveLength(50);
    expect(counters.retries).toBeGreaterThan(0);
    const faults = Object.entries(sim.stats.byStatus).filter(([status]) => Number(status) >= 500);
    expect(faults.length + sim.stats.dropped).toBeGreaterThan(0);
    await sim.stop();
  });

  it('retries a request that timed out', async () => {
    const listener = await startTestServer((_req, res, _origin, count) => {
      if (count === 1) return; // never answers: the client's timeout fires
      json(res, 200, [{ id: 1 }]);
    });
    const counters = newCounters();
    const api = client(`${listener.origin}/api/v1`, 'k', { timeoutMs: 300 });
    const response = await api.getJson('/users/', { counters });
    expect(response.body).toEqual([{ id: 1 }]);
    expect(counters.retries).toBe(1);
    await listener.stop();
  });

  it('times out a body that stops arriving after its headers, and says so once out of retries', async () => {
    const listener = await startTestServer((_req, res, _origin, count) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '100' });
      res.write('[{"id":1}'); // and nothing more, until the second request
      if (count === 2) res.end(`${' '.repeat(90)}]`);
    });
    const counters = newCounters();
    const api = client(`${listener.origin}/api/v1`, 'k', { timeoutMs: 300 });
    const started = Date.now();
    expect((await api.getJson('/users/', { counters })).body).toEqual([{ id: 1 }]);
    expect(counters.retries).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    const once = client(`${listener.origin}/api/v1`, 'k', { timeoutMs: 300, maxRetries: 0 });
    const error = await once.getJson('/users/').catch((e: unknown) => e);
    expect(String((error as Error).cause)).toContain('timed out after 300 ms');
    await listener.stop();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('paginator guards', () => {
  let other: TestServer;
  beforeAll(async () => {
    other = await startTestServer((_req, res) => json(res, 200, { results: [], next: null }));
  });
  afterAll(() => other.stop());

  it('refuses a next-page URL on another origin and never sends the token there', async () => {
    const api = await startTestServer((_req, res) =>
      json(res, 200, { results: [{ id: 1 }], next: `${other.origin}/api/v1/users/?page=2` }),
    );
    const pages: unknown[] = [];
    const error = await (async () => {
      for await (const page of paginate(client(`${api.origin}/api/v1`, 'tok-cross-origin'), {
        startUrl: '/users/',
      }))
        pages.push(page);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrossOriginError);
    expect(pages).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
    await api.stop();
  });

  it('stops a page sequence that repeats', async () => {
    const api = await startTestServer((req, res, origin) =>
      json(res, 200, {
        results: [{ id: 1 }, { id: 2 }],
        more: true,
        nextURL: `${origin}${req.url?.includes('b') ? '/api/v1/g/?c=a' : '/api/v1/g/?c=b'}`,
      }),
    );
    const error = await collect(client(`${api.origin}/api/v1`), '/g/?c=a').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PageLoopError);
    expect(api.requests.length).toBeLessThanOrEqual(3);
    await api.stop();
  });

  it('reads a bare array as a single page', async () => {
    const api = await startTestServer((_req, res) => json(res, 200, [{ id: 1 }, { id: 2 }]));
    const pages = await collect(client(`${api.origin}/api/v1`), '/things/');
    expect(pages).toHaveLength(1);
    expect(pages[0]?.style).toBe('array');
    expect(pages[0]?.records).toHaveLength(2);
    await api.stop();
  });

  it('reads a body that starts with a byte order mark, and keeps non-ASCII text intact', async () => {
    const text = JSON.stringify([{ id: 1, name: 'Zoë Ångström 日本' }]);
    const api = await startTestServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
      res.end(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]));
    });
    const pages = await collect(client(`${api.origin}/api/v1`), '/things/');
    expect(pages[0]?.records).toEqual(JSON.parse(text));
    expect(decodeBody(pages[0]?.body as Buffer)).toBe(text);
    await api.stop();
  });

  it('requires https except for loopback hosts', () => {
    expect(() => client('http://app.betterworks.com/api/v1')).toThrow(ConfigError);
    expect(() => client('https://app.betterworks.com/api/v1')).not.toThrow();
  });
});
