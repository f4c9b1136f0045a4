import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, requireApiToken } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config.betterworks.baseUrl).toBe('https://app.betterworks.com/api/v1');
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/betterworks');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.log.level).toBe('info');
    expect(config.sync.deleteMaxShare).toBe(0.1);
    expect(config.betterworks.apiToken).toBeUndefined();
    expect(Object.isFrozen(config.betterworks)).toBe(true);
  });

  it('reports every bad value at once, naming the variable and what was expected', () => {
    const problems = problemsOf({
      DATABASE_URL: 'mysql://nope',
      LOG_LEVEL: 'loud',
      BETTERWORKS_RATE_LIMIT_RPS: '-3',
      BETTERWORKS_BASE_URL: 'http://app.betterworks.com/api/v1',
      SYNC_DELETE_MAX_SHARE: '2',
    });
    expect(problems).toMatchInlineSnapshot(`
      [
        "BETTERWORKS_BASE_URL: expected https:// (plain http is only allowed for loopback hosts such as the simulator)",
        "BETTERWORKS_RATE_LIMIT_RPS: expected a number of requests per second > 0 (got "-3")",
        "DATABASE_URL: expected a URL like postgres://user@host:5432/database",
        "LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")",
        "SYNC_DELETE_MAX_SHARE: expected a share between 0 and 1 (got "2")",
      ]
    `);
  });

  it('allows plain http for loopback hosts only', () => {
    expect(loadConfig({ BETTERWORKS_BASE_URL: 'http://127.0.0.1:4010/api/v1/' }).betterworks.baseUrl).toBe(
      'http://127.0.0.1:4010/api/v1',
    );
  });

  it('reads the token from a *_FILE variable and refuses both at once', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bwsync-'));
    const file = path.join(dir, 'token');
    writeFileSync(file, 'file-token-123\n');
    expect(loadConfig({ BETTERWORKS_API_TOKEN_FILE: file }).betterworks.apiToken).toBe('file-token-123');
    expect(problemsOf({ BETTERWORKS_API_TOKEN_FILE: file, BETTERWORKS_API_TOKEN: 'x' })).toEqual([
      'BETTERWORKS_API_TOKEN_FILE: expected either it or BETTERWORKS_API_TOKEN, not both',
    ]);
    expect(problemsOf({ BETTERWORKS_API_TOKEN_FILE: path.join(dir, 'missing') })).toEqual([
      'BETTERWORKS_API_TOKEN_FILE: expected a readable file with the API key (ENOENT)',
    ]);
  });

  it('takes path overrides per resource and names unknown resources', () => {
    expect(loadConfig({ BETTERWORKS_PATH_GOALS: '/goals/filter/v2/' }).betterworks.pathOverrides).toEqual({
      goals: '/goals/filter/v2/',
    });
    expect(problemsOf({ BETTERWORKS_PATH_GOLAS: '/x/', BETTERWORKS_PATH_USERS: 'users' })).toEqual([
      expect.stringMatching(
        /^BETTERWORKS_PATH_GOLAS: expected BETTERWORKS_PATH_<RESOURCE> with one of users, /,
      ),
      'BETTERWORKS_PATH_USERS: expected a path that starts and ends with "/", like /goals/filter/',
    ]);
  });

  it('says how to provide a missing token', () => {
    expect(() => requireApiToken(loadConfig({}))).toThrowErrorMatchingInlineSnapshot(`
      [ConfigError: invalid configuration:
        BETTERWORKS_API_TOKEN: expected the Betterworks API key (or a file holding it in BETTERWORKS_API_TOKEN_FILE)]
    `);
  });
});

describe('schedule settings', () => {
  it('schedules every resource nightly at 02:00 UTC unless told otherwise', () => {
    const config = loadConfig({
      SCHEDULE_GOALS: '*/15 * * * *',
      SCHEDULE_GOALS_TZ: 'Europe/Berlin',
      SCHEDULE_DEPARTMENTS: 'off',
    });
    expect(config.schedules.users).toEqual({ cron: '0 2 * * *', tz: 'UTC' });
    expect(config.schedules.goals).toEqual({ cron: '*/15 * * * *', tz: 'Europe/Berlin' });
    expect(config.schedules.departments).toEqual({ cron: null, tz: 'UTC' });
  });

  it('names bad patterns, time zones and resources', () => {
    expect(() =>
      loadConfig({
        SCHEDULE_CRON: 'nightly',
        SCHEDULE_GOALS_TZ: 'Mars/Olympus',
        SCHEDULE_GOLAS: '0 1 * * *',
      }),
    ).toThrowError(
      expect.objectContaining({
        problems: [
          'SCHEDULE_GOALS_TZ: expected an IANA time zone such as UTC or Europe/Berlin (got "Mars/Olympus")',
          expect.stringMatching(
            /^SCHEDULE_GOLAS: expected SCHEDULE_<RESOURCE> or SCHEDULE_<RESOURCE>_TZ with one of users,/,
          ),
          'SCHEDULE_CRON: expected a cron pattern such as "0 2 * * *" (minute hour day month weekday), or "off" (got "nightly")',
        ],
      }),
    );
  });
});
