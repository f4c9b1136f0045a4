/**
 * A fake Betterworks API over real HTTP, for tests, `bwsync demo` and benchmarks.
 *
 * Routes come from the resource catalog (each resource's default path). It behaves as the research notes
 * describe the real API: `APIToken` auth with roles, DRF-style `{count,next,previous,results}` pages with
 * `page_size` (capped), `{results,more,nextURL}` for /goals/filter/ (30 per page, opaque absolute URL),
 * strict trailing slashes, JSON error bodies with `detail`, `X-Request-Id` echoed. Faults (latency, 429 with
 * Retry-After, 5xx, dropped connections, malformed records) are seeded and reproducible.
 *
 * Control endpoints under `/__sim/` (never called by the product): `POST /__sim/mutate`,
 * `GET /__sim/truth`, `POST /__sim/keys`, `GET /__sim/stats`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { resources } from '../betterworks/resources/registry.ts';
import { Dataset, type MutateRequest, type Role, unitRandom, type Viewer } from './dataset.ts';

export const API_PREFIX = '/api/v1';
/** Largest `page_size` a DRF-style endpoint honours. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 50;

export interface SimulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  scale?: number;
  latencyMs?: number;
  /** Requests per second above which the simulator answers 429 (0: no limit). */
  rateLimitRps?: number;
  /** Share of requests answered 500/502/503, dropped, or left hanging (the client times out). */
  faultRate?: number;
  /** Share of records served malformed. */
  malformedRate?: number;
  /** Path per resource name, for simulating a tenant whose paths differ from the catalog. */
  paths?: Record<string, string>;
  /** Hostile: next-page URLs of these resources point at this origin instead of the simulator's. */
  foreignNextOrigin?: { origin: string; resources: readonly string[] };
}

export type KeyStatus = 'active' | 'revoked' | 'privacy_pending';

interface KeyInfo {
  role: Role;
  /** Index of the key's user among the simulated users. */
  userIndex: number;
  status: KeyStatus;
}

/** The keys every simulator accepts, and what each shows. */
export const DEFAULT_KEYS: Readonly<Record<string, KeyInfo>> = {
  sim_super_admin: { role: 'super_admin', userIndex: 0, status: 'active' },
  sim_hr_admin: { role: 'hr_admin', userIndex: 1, status: 'active' },
  sim_admin: { role: 'admin', userIndex: 2, status: 'active' },
  sim_user: { role: 'user', userIndex: 3, status: 'active' },
  sim_revoked: { role: 'super_admin', userIndex: 4, status: 'revoked' },
  sim_privacy_pending: { role: 'user', userIndex: 5, status: 'privacy_pending' },
};

export const SIM_MESSAGES = {
  noCredentials: 'Authentication credentials were not provided.',
  invalidToken: 'Invalid token.',
  forbidden: 'You do not have permission to perform this action.',
  privacy: 'You must accept the Betterworks privacy notice before using the API.',
  notFound: 'Not found.',
  invalidPage: 'Invalid page.',
} as const;

export interface SimulatorStats {
  requests: number;
  byStatus: Record<string, number>;
  throttled: number;
  dropped: number;
  hung: number;
  /** Highest number of requests answered within any one-second window. */
  peakRps: number;
}

export interface Simulator {
  baseUrl: string;
  /** The origin, e.g. http://127.0.0.1:4010 */
  origin: string;
  dataset: Dataset;
  keys: Map<string, KeyInfo>;
  stats: SimulatorStats;
  stop(): Promise<void>;
}

interface Route {
  resource: Resource;
  path: string;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset, v: 1 })).toString('base64url');
}

function decodeCursor(cursor: string): number | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    return typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0 ? parsed.o : null;
  } catch {
    return null;
  }
}

/** Starts a simulator; `port: 0` picks a free port. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const seed = options.seed ?? 1;
  const dataset = new Dataset({ seed, scale: options.scale ?? 1, malformedRate: options.malformedRate ?? 0 });
  const keys = new Map<string, KeyInfo>(
    Object.entries(DEFAULT_KEYS).map(([key, info]) => [key, { ...info }]),
  );
  const stats: SimulatorStats = { requests: 0, byStatus: {}, throttled: 0, dropped: 0, hung: 0, peakRps: 0 };
  const routes = new Map<string, Route>(
    resources.map((resource) => {
      const path = options.paths?.[resource.name] ?? resource.path;
      return [`${API_PREFIX}${path}`, { resource, path }];
    }),
  );
  const attempts = new Map<string, number>();
  const rateLimit = options.rateLimitRps ?? 0;
  let bucket = rateLimit;
  let bucketAt = Date.now();
  let windowStart = Date.now();
  let windowCount = 0;
  let origin = '';

  function takeToken(): number {
    if (rateLimit <= 0) return 0;
    const now = Date.now();
    bucket = Math.min(rateLimit, bucket + ((now - bucketAt) / 1000) * rateLimit);
    bucketAt = now;
    if (bucket >= 1) {
      bucket -= 1;
      return 0;
    }
    return ((1 - bucket) / rateLimit) * 1000;
  }

  function count(status: number): void {
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
    const now = Date.now();
    if (now - windowStart >= 1000) {
      windowStart = now;
      windowCount = 0;
    }
    windowCount++;
    stats.peakRps = Math.max(stats.peakRps, windowCount);
  }

  function viewerFor(info: KeyInfo): Viewer {
    return { role: info.role, userId: dataset.idAt(resources[0] as Resource, info.userIndex) };
  }

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/__sim/truth' && req.method === 'GET') {
      const only = url.searchParams.get('resource');
      const key = url.searchParams.get('key') ?? 'sim_super_admin';
      const info = keys.get(key);
      if (!info) return sendJson(res, 404, { detail: `unknown key ${key}` });
      const viewer = viewerFor(info);
      const body: Record<string, unknown> = {};
      for (const resource of resources) {
        if (only && only !== resource.name) continue;
        body[resource.name] =
          resource.access === 'admin' && info.role === 'user'
            ? { forbidden: true }
            : dataset.truth(resource, viewer);
      }
      return sendJson(res, 200, { resources: body });
    }
    if (url.pathname === '/__sim/mutate' && req.method === 'POST') {
      return sendJson(res, 200, { mutated: dataset.mutate((await readJson(req)) as MutateRequest) });
    }
    if (url.pathname === '/__sim/keys' && req.method === 'POST') {
      const body = (await readJson(req)) as {
        revoke?: string;
        restore?: string;
        add?: { key: string; role: Role };
      };
      if (body.revoke) {
        const info = keys.get(body.revoke);
        if (info) info.status = 'revoked';
      }
      if (body.restore) {
        const info = keys.get(body.restore);
        if (info) info.status = 'active';
      }
      if (body.add)
        keys.set(body.add.key, { role: body.add.role, userIndex: 6 + keys.size, status: 'active' });
      return sendJson(res, 200, { keys: Object.fromEntries([...keys].map(([key, info]) => [key, info])) });
    }
    if (url.pathname === '/__sim/stats' && req.method === 'GET') return sendJson(res, 200, stats);
    return sendJson(res, 404, { detail: SIM_MESSAGES.notFound });
  }

  /** Where next-page links point: the simulator, unless the resource is staged to leak elsewhere. */
  function linkOrigin(resource: Resource): string {
    const foreign = options.foreignNextOrigin;
    return foreign?.resources.includes(resource.name) ? foreign.origin : origin;
  }

  function serveResource(res: ServerResponse, route: Route, url: URL, viewer: Viewer, requestId: string) {
    const { resource } = route;
    const headers = { 'X-Request-Id': requestId };
    if (resource.pagination === 'more-next-url') {
      const pageSize = resource.fixedPageSize ?? 30;
      const cursor = url.searchParams.get('cursor');
      const offset = cursor === null ? 0 : decodeCursor(cursor);
      if (offset === null) {
        count(400);
        return sendJson(res, 400, { detail: 'Invalid cursor.' }, headers);
      }
      const page = dataset.slice(resource, viewer, offset, pageSize);
      const next = new URL(`${linkOrigin(resource)}${API_PREFIX}${route.path}`);
      next.searchParams.set('cursor', encodeCursor(offset + pageSize));
      count(200);
      return sendJson(
        res,
        200,
        { results: page.items, more: page.more, nextURL: page.more ? next.toString() : null },
        headers,
      );
    }
    const requested = Number(url.searchParams.get('page_size') ?? DEFAULT_PAGE_SIZE);
    const pageSize =
      Number.isInteger(requested) && requested > 0 ? Math.min(requested, MAX_PAGE_SIZE) : DEFAULT_PAGE_SIZE;
    const pageNumber = Number(url.searchParams.get('page') ?? 1);
    const total = dataset.visibleCount(resource, viewer);
    const lastPage = Math.max(1, Math.ceil(total / pageSize));
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > lastPage) {
      count(404);
      return sendJson(res, 404, { detail: SIM_MESSAGES.invalidPage }, headers);
    }
    const page = dataset.slice(resource, viewer, (pageNumber - 1) * pageSize, pageSize);
    const link = (n: number) => {
      const target = new URL(`${linkOrigin(resource)}${API_PREFIX}${route.path}`);
      target.searchParams.set('page', String(n));
      target.searchParams.set('page_size', String(pageSize));
      return target.toString();
    };
    count(200);
    return sendJson(
      res,
      200,
      {
        count: total,
        next: pageNumber < lastPage ? link(pageNumber + 1) : null,
        previous: pageNumber > 1 ? link(pageNumber - 1) : null,
        results: page.items,
      },
      headers,
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname.startsWith('/__sim/')) return handleControl(req, res, url);
    stats.requests++;
    const requestId = String(req.headers['x-request-id'] ?? randomUUID());
    const headers = { 'X-Request-Id': requestId };
    if (options.latencyMs) await sleep(options.latencyMs);

    const waitMs = takeToken();
    if (waitMs > 0) {
      stats.throttled++;
      count(429);
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      return sendJson(
        res,
        429,
        { detail: `Request was throttled. Expected available in ${seconds} seconds.` },
        {
          ...headers,
          'Retry-After': String(seconds),
        },
      );
    }

    const faultRate = options.faultRate ?? 0;
    if (faultRate > 0) {
      const key = `${req.method} ${req.url}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      if (unitRandom(seed, 'fault', key, attempt) < faultRate) {
        const kind = Math.floor(unitRandom(seed, 'fault-kind', key, attempt) * 5);
        if (kind === 3) {
          stats.dropped++;
          req.socket.destroy();
          return;
        }
        if (kind === 4) {
          // Never answers: the client's timeout decides. stop() closes the connection.
          stats.hung++;
          return;
        }
        const status = [500, 502, 503][kind] as number;
        count(status);
        return sendJson(res, status, { detail: 'Temporary failure; please retry.' }, headers);
      }
    }

    const auth = req.headers.authorization;
    const match = typeof auth === 'string' ? /^APIToken (\S+)$/.exec(auth) : null;
    if (!match) {
      count(401);
      return sendJson(
        res,
        401,
        { detail: SIM_MESSAGES.noCredentials },
        { ...headers, 'WWW-Authenticate': 'APIToken' },
      );
    }
    const info = keys.get(match[1] as string);
    if (!info || info.status === 'revoked') {
      count(401);
      return sendJson(
        res,
        401,
        { detail: SIM_MESSAGES.invalidToken },
        { ...headers, 'WWW-Authenticate': 'APIToken' },
      );
    }
    if (info.status === 'privacy_pending') {
      count(403);
      return sendJson(
        res,
        403,
        { detail: SIM_MESSAGES.privacy, code: 'privacy_notice_not_accepted' },
        headers,
      );
    }
    if (req.method !== 'GET') {
      count(405);
      return sendJson(res, 405, { detail: `Method "${req.method}" not allowed.` }, headers);
    }
    const route = routes.get(url.pathname);
    if (!route) {
      count(404);
      return sendJson(res, 404, { detail: SIM_MESSAGES.notFound }, headers);
    }
    if (route.resource.access === 'admin' && info.role === 'user') {
      count(403);
      return sendJson(res, 403, { detail: SIM_MESSAGES.forbidden }, headers);
    }
    return serveResource(res, route, url, viewerFor(info), requestId);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { detail: `simulator error: ${String(error)}` });
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  origin = `http://${host}:${address.port}`;
  return {
    baseUrl: `${origin}${API_PREFIX}`,
    origin,
    dataset,
    keys,
    stats,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
