import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/betterworks/resources/registry.ts';
import { REJECTED_KINDS } from '../../src/simulator/dataset.ts';
import { MAX_PAGE_SIZE, SIM_MESSAGES, type Simulator, startSimulator } from '../../src/simulator/server.ts';

function get(sim: Simulator, path: string, key?: string, headers: Record<string, string> = {}) {
  const url = path.startsWith('http') ? path : `${sim.baseUrl}${path}`;
  return fetch(url, { headers: { ...(key ? { Authorization: `APIToken ${key}` } : {}), ...headers } });
}

async function allGoals(sim: Simulator, key: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let url: string | null = `${sim.baseUrl}/goals/filter/`;
  while (url) {
    const page = (await (await get(sim, url, key)).json()) as {
      results: Record<string, unknown>[];
      more: boolean;
      nextURL: string | null;
    };
    out.push(...page.results);
    url = page.more ? page.nextURL : null;
  }
  return out;
}

describe('simulator: auth, roles and envelopes', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, seed: 7, scale: 0.2 });
  });
  afterAll(() => sim.stop());

  it('answers 401 with a JSON detail for a missing, malformed or revoked key', async () => {
    for (const [headers, detail] of [
      [{}, SIM_MESSAGES.noCredentials],
      [{ Authorization: 'Bearer sim_super_admin' }, SIM_MESSAGES.noCredentials],
      [{ Authorization: 'APIToken sim_revoked' }, SIM_MESSAGES.invalidToken],
      [{ Authorization: 'APIToken nope' }, SIM_MESSAGES.invalidToken],
    ] as const) {
      const response = await get(sim, '/users/', undefined, headers);
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual({ detail });
    }
  });

  it('answers 403 with a distinct message when the privacy notice is pending', async () => {
    const response = await get(sim, '/users/', 'sim_privacy_pending');
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      detail: SIM_MESSAGES.privacy,
      code: 'privacy_notice_not_accepted',
    });
  });

  it('refuses admin-only resources to an ordinary user with 403 and a detail', async () => {
    for (const resource of resources) {
      const response = await get(sim, resource.path, 'sim_user');
      const expected = resource.access === 'admin' ? 403 : 200;
      expect(response.status, resource.name).toBe(expected);
      if (expected === 403) expect(await response.json()).toEqual({ detail: SIM_MESSAGES.forbidden });
      else await response.arrayBuffer();
    }
    expect((await get(sim, '/departments/', 'sim_admin')).status).toBe(200);
  });

  it('shows private goals to the super admin only', async () => {
    const superAdmin = await allGoals(sim, 'sim_super_admin');
    const admin = await allGoals(sim, 'sim_admin');
    const user = await allGoals(sim, 'sim_user');
    const privateGoals = superAdmin.filter((goal) => goal.is_private === true);
    expect(privateGoals.length).toBeGreaterThan(0);
    expect(admin).toHaveLength(superAdmin.length - privateGoals.length);
    expect(admin.some((goal) => goal.is_private === true)).toBe(false);
    expect(user.length).toBeGreaterThanOrEqual(admin.length);
    expect(
      user.every((goal) => goal.is_private !== true || (goal.owner as { user_id: number }).user_id === 1003),
    ).toBe(true);
  });

  it('pages /goals/filter/ by 30 with more and an absolute nextURL', async () => {
    const response = await get(sim, '/goals/filter/', 'sim_super_admin');
    const page = (await response.json()) as { results: unknown[]; more: boolean; nextURL: string };
    expect(Object.keys(page).sort()).toEqual(['more', 'nextURL', 'results']);
    expect(page.results).toHaveLength(30);
    expect(page.more).toBe(true);
    expect(page.nextURL.startsWith(`${sim.baseUrl}/goals/filter/?`)).toBe(true);
    const goals = await allGoals(sim, 'sim_super_admin');
    expect(goals).toHaveLength(sim.dataset.liveCount(resources.find((r) => r.name === 'goals')!));
  });

  it('pages list endpoints DRF-style with page_size and a cap', async () => {
    const first = (await (await get(sim, '/users/?page_size=40', 'sim_super_admin')).json()) as {
      count: number;
      next: string;
      previous: null;
      results: unknown[];
    };
    expect(first.count).toBe(100);
    expect(first.results).toHaveLength(40);
    expect(first.previous).toBeNull();
    expect(first.next).toBe(`${sim.baseUrl}/users/?page=2&page_size=40`);
    const capped = (await (await get(sim, '/users/?page_size=1000', 'sim_super_admin')).json()) as {
      results: unknown[];
    };
    expect(capped.results).toHaveLength(MAX_PAGE_SIZE);
    const last = (await (await get(sim, '/users/?page=3&page_size=40', 'sim_super_admin')).json()) as {
      next: null;
      results: unknown[];
    };
    expect(last.next).toBeNull();
    expect(last.results).toHaveLength(20);
    expect((await get(sim, '/users/?page=4&page_size=40', 'sim_super_admin')).status).toBe(404);
  });

  it('serves paths only with their trailing slash, and echoes X-Request-Id', async () => {
    const bare = await get(sim, '/users', 'sim_super_admin');
    expect(bare.status).toBe(404);
    expect(await bare.json()).toEqual({ detail: SIM_MESSAGES.notFound });
    const response = await get(sim, '/users/', 'sim_super_admin', { 'X-Request-Id': 'req-123' });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    await response.arrayBuffer();
  });

  it('revokes a key at run time', async () => {
    expect((await get(sim, '/users/', 'sim_hr_admin')).status).toBe(200);
    await fetch(`${sim.origin}/__sim/keys`, {
      method: 'POST',
      body: JSON.stringify({ revoke: 'sim_hr_admin' }),
    });
    expect((await get(sim, '/users/', 'sim_hr_admin')).status).toBe(401);
    await fetch(`${sim.origin}/__sim/keys`, {
      method: 'POST',
      body: JSON.stringify({ add: { key: 'fresh', role: 'user' } }),
    });
    expect((await get(sim, '/users/', 'fresh')).status).toBe(200);
  });
});

describe('simulator: determinism, mutation and truth', () => {
  it('gives byte-identical pages for the same seed across restarts', async () => {
    const bodies: string[] = [];
    for (let run = 0; run < 2; run++) {
      const sim = await startSimulator({ port: 0, seed: 42, scale: 0.1, malformedRate: 0.2 });
      for (const path of ['/users/?page=2&page_size=10', '/goals/filter/', '/recognitions/']) {
        const text = await (await get(sim, path, 'sim_super_admin')).text();
        bodies.push(text.replaceAll(sim.origin, 'ORIGIN'));
      }
      await sim.stop();
    }
    expect(bodies.slice(0, 3)).toEqual(bodies.slice(3));
    const other = await startSimulator({ port: 0, seed: 43, scale: 0.1 });
    const text = await (await get(other, '/users/?page=2&page_size=10', 'sim_super_admin')).text();
    expect(text.replaceAll(other.origin, 'ORIGIN')).not.toBe(bodies[0]);
    await other.stop();
  });

  it('applies inserts, updates and deletes and reports them in the truth', async () => {
    const sim = await startSimulator({ port: 0, seed: 3, scale: 0.1 });
    const truth = async () =>
      (
        (await (await fetch(`${sim.origin}/__sim/truth`)).json()) as {
          resources: Record<string, { count: number; ids: number[]; hash: string }>;
        }
      ).resources;
    const before = await truth();
    const response = await fetch(`${sim.origin}/__sim/mutate`, {
      method: 'POST',
      body: JSON.stringify({
        seed: 9,
        inserts: { users: 3 },
        updates: { users: 0.1 },
        deletes: { users: 2, recognitions: 1 },
      }),
    });
    const { mutated } = (await response.json()) as {
      mutated: Record<string, { inserted: number[]; updated: number[]; deleted: number[] }>;
    };
    expect(mutated.users?.inserted).toHaveLength(3);
    expect(mutated.users?.updated).toHaveLength(5);
    expect(mutated.users?.deleted).toHaveLength(2);
    const after = await truth();
    expect(after.users?.count).toBe((before.users?.count ?? 0) + 1);
    for (const id of mutated.users?.deleted ?? []) expect(after.users?.ids).not.toContain(id);
    for (const id of mutated.users?.inserted ?? []) expect(after.users?.ids).toContain(id);
    expect(after.users?.hash).not.toBe(before.users?.hash);
    expect(after.recognitions?.count).toBe((before.recognitions?.count ?? 0) - 1);
    expect(after.goals?.hash).toBe(before.goals?.hash);
    const served = (await (await get(sim, '/users/?page_size=100', 'sim_super_admin')).json()) as {
      count: number;
      results: { id: number }[];
    };
    expect(served.count).toBe(after.users?.count);
    expect(served.results.map((u) => u.id).sort((a, b) => a - b)).toEqual(after.users?.ids);
    await sim.stop();
  });

  it('serves the first page of every resource at --scale 100', async () => {
    const sim = await startSimulator({ port: 0, scale: 100 });
    for (const resource of resources) {
      const response = await get(sim, resource.path, 'sim_super_admin');
      expect(response.status, resource.name).toBe(200);
      const body = (await response.json()) as { results: unknown[] };
      expect(body.results.length).toBeGreaterThan(0);
    }
    expect(sim.dataset.liveCount(resources[0]!)).toBe(50_000);
    await sim.stop();
  });
});

describe('simulator: faults', () => {
  it('throttles above the rate limit with 429 and Retry-After', async () => {
    const sim = await startSimulator({ port: 0, scale: 0.05, rateLimitRps: 5 });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const response = await get(sim, '/users/', 'sim_super_admin');
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(((await response.json()) as { detail: string }).detail).toMatch(/throttled/);
      } else await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(5);
    expect(statuses).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await sim.stop();
  });

  it('adds the configured latency', async () => {
    const sim = await startSimulator({ port: 0, scale: 0.05, latencyMs: 150 });
    const started = performance.now();
    await (await get(sim, '/users/', 'sim_super_admin')).arrayBuffer();
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await sim.stop();
  });

  async function faultOutcomes(seed: number): Promise<string[]> {
    const sim = await startSimulator({ port: 0, seed, scale: 0.05, faultRate: 0.5 });
    const outcomes: string[] = [];
    for (let i = 1; i <= 40; i++) {
      try {
        const response = await fetch(`${sim.baseUrl}/users/?page_size=${i}`, {
          headers: { Authorization: 'APIToken sim_super_admin' },
          signal: AbortSignal.timeout(300),
        });
        outcomes.push(String(response.status));
        await response.arrayBuffer();
      } catch (error) {
        outcomes.push((error as Error).name === 'TimeoutError' ? 'hung' : 'dropped');
      }
    }
    await sim.stop();
    return outcomes;
  }

  it('answers a seeded, reproducible share of 500/502/503, dropped connections and requests left hanging', async () => {
    const first = await faultOutcomes(11);
    expect(new Set(first)).toEqual(new Set(['200', '500', '502', '503', 'dropped', 'hung']));
    expect(await faultOutcomes(11)).toEqual(first);
  });

  it('serves every kind of malformed record when asked', async () => {
    const sim = await startSimulator({ port: 0, seed: 5, scale: 0.2, malformedRate: 1 });
    const pages: { id?: unknown; [key: string]: unknown }[][] = [];
    // Small pages: a record marked 'duplicate' comes again at the top of the next page.
    for (let page = 1; page <= 25; page++) {
      const body = (await (await get(sim, `/users/?page=${page}&page_size=4`, 'sim_super_admin')).json()) as {
        results: never[];
      };
      pages.push(body.results);
    }
    const records = pages.flat();
    const text = JSON.stringify(records);
    expect(records.some((r) => typeof r.id === 'string')).toBe(true);
    expect(records.some((r) => !('id' in r))).toBe(true);
    expect(text).toContain('\\u0000');
    expect(records.some((r) => typeof r.huge_note === 'string' && r.huge_note.length >= 100 * 1024)).toBe(
      true,
    );
    expect(records.some((r) => r.deep_settings !== undefined)).toBe(true);
    expect(text).toContain("'); DROP TABLE users; --");
    const ids = records.map((r) => r.id).filter((id) => typeof id === 'number');
    expect(new Set(ids).size).toBeLessThan(ids.length);
    const truth = sim.dataset.truth(resources[0]!);
    expect(truth.rejects).toBeGreaterThan(0);
    expect(truth.count + truth.rejects).toBe(100);
    expect(REJECTED_KINDS.has('missing_id')).toBe(true);
    await sim.stop();
  });
});

describe('bwsync simulate', () => {
  it('serves on the given port, prints its base URL and keys, and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('../helpers/cli.ts');
    const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', '--scale', '0.1', '--seed', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const baseUrl = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        const match = /at (http:\/\/\S+\/api\/v1)/.exec(stdout);
        if (match && stdout.includes('sim_revoked')) resolve(match[1] as string);
      });
      child.on('exit', () => reject(new Error(`simulate exited early: ${stdout}`)));
    });
    const response = await fetch(`${baseUrl}/users/`, {
      headers: { Authorization: 'APIToken sim_super_admin' },
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
