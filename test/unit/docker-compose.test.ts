import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configVariableNames, isPatternVariable } from '../../src/config.ts';

/** Variables that belong to the images or to libpq, not to our schema. */
const FOREIGN_VARIABLES = new Set(['POSTGRES_USER', 'POSTGRES_PASSWORD_FILE', 'POSTGRES_DB', 'PGPASSFILE']);

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  secrets?: string[];
  healthcheck?: unknown;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), {
  merge: true,
}) as {
  services: Record<string, Service>;
  secrets: Record<string, unknown>;
};

describe('docker-compose.yml', () => {
  const services = Object.entries(compose.services);

  it('sets only environment variables that the config schema knows', () => {
    for (const [name, service] of services) {
      for (const variable of Object.keys(service.environment ?? {})) {
        const known =
          configVariableNames.includes(variable) ||
          isPatternVariable(variable) ||
          FOREIGN_VARIABLES.has(variable);
        expect(known, `${name} sets unknown variable ${variable}`).toBe(true);
      }
    }
  });

  it('references only services and secrets that exist', () => {
    for (const [name, service] of services) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect(compose.services, `${name} depends on ${dependency}`).toHaveProperty(dependency);
      }
      for (const secret of service.secrets ?? []) {
        expect(compose.secrets, `${name} uses secret ${secret}`).toHaveProperty(secret);
      }
    }
  });

  it('runs postgres 17 and redis 7 with AOF and noeviction, with healthchecks', () => {
    expect(compose.services.postgres?.image).toBe('postgres:17');
    expect(compose.services.redis?.image).toBe('redis:7');
    const redisCommand = JSON.stringify(compose.services.redis);
    expect(redisCommand).toContain('"--appendonly","yes"');
    expect(redisCommand).toContain('"--maxmemory-policy","noeviction"');
    expect(compose.services.postgres?.healthcheck).toBeDefined();
    expect(compose.services.redis?.healthcheck).toBeDefined();
    expect(compose.services.worker?.depends_on?.migrate?.condition).toBe('service_completed_successfully');
  });

  it('exposes the worker ops port with a healthcheck on /readyz, within the stop grace period', () => {
    const worker = compose.services.worker as Service & {
      ports?: string[];
      healthcheck?: { test: string[] };
      stop_grace_period?: string;
    };
    expect(worker.environment?.OPS_PORT).toBe('9464');
    expect(worker.ports).toEqual(['127.0.0.1:9464:9464']);
    expect(worker.healthcheck?.test.join(' ')).toContain('http://127.0.0.1:9464/readyz');
    // Docker's grace period must outlast the worker's own shutdown bound (30 s by default).
    expect(Number.parseInt(worker.stop_grace_period ?? '10s', 10)).toBeGreaterThan(30);
  });

  it('passes the API token as a secret file, never as a value', () => {
    for (const [, service] of services) {
      expect(service.environment ?? {}).not.toHaveProperty('BETTERWORKS_API_TOKEN');
    }
    expect(compose.services.worker?.environment?.BETTERWORKS_API_TOKEN_FILE).toBe(
      '/run/secrets/betterworks_api_token',
    );
  });
});

describe('Dockerfile', () => {
  it('starts Node with the same V8 flags as the bwsync shebang', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    const shebang = readFileSync(new URL('../../src/cli.ts', import.meta.url), 'utf8').split('\n')[0] ?? '';
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    const shebangFlags = shebang.split(' ').filter((word) => word.startsWith('--'));
    expect(shebangFlags.length).toBeGreaterThan(0);
    expect(entrypoint).toEqual(['node', ...shebangFlags, 'src/cli.ts']);
  });
});
