import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resources } from '../../src/betterworks/resources/registry.ts';
import { type Simulator, startSimulator } from '../../src/simulator/server.ts';
import { runCli } from '../helpers/cli.ts';

describe('bwsync probe', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, scale: 0.1 });
  });
  afterAll(() => sim.stop());

  const env = (token: string) => ({
    BETTERWORKS_BASE_URL: sim.baseUrl,
    BETTERWORKS_API_TOKEN: token,
    BETTERWORKS_RATE_LIMIT_RPS: '50',
  });

  it('exits 0 when the super admin key reads every resource', async () => {
    const result = await runCli(['probe', '--json'], env('sim_super_admin'));
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as {
      resources: { resource: string; verdict: string; items: number; pagination: string }[];
    };
    expect(report.resources.map((r) => r.resource)).toEqual(resources.map((r) => r.name));
    expect(report.resources.every((r) => r.verdict === 'ok' && r.items > 0)).toBe(true);
    expect(report.resources.find((r) => r.resource === 'goals')?.pagination).toBe('more-next-url');
  });

  it('exits non-zero with an ordinary user key and names the forbidden resources', async () => {
    const result = await runCli(['probe'], env('sim_user'));
    expect(result.code).toBe(3);
    const forbidden = resources.filter((r) => r.access === 'admin').map((r) => r.name);
    for (const name of forbidden) expect(result.stdout).toMatch(new RegExp(`^${name} .* forbidden$`, 'm'));
    expect(result.stdout).toMatch(/^users .* ok$/m);
  });

  it('prints the key-rejected message with a revoked key', async () => {
    const result = await runCli(['probe'], env('sim_revoked'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('key rejected');
    expect(result.stdout).toContain('Admin → Platform Configuration → Betterworks API');
    expect(result.stdout + result.stderr).not.toContain('sim_revoked');
  });

  it('exits 2 naming the variable when no key is configured', async () => {
    const result = await runCli(['probe'], { BETTERWORKS_BASE_URL: sim.baseUrl });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^bwsync: BETTERWORKS_API_TOKEN: expected the Betterworks API key/);
  });
});
