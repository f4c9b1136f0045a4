import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configVariableNames } from '../../src/config.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every configuration variable, and only those', () => {
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Operations'));
    const documented = [...section.matchAll(/^\|\s*`([A-Z0-9_<>]+)`\s*\|/gm)].map((m) => m[1] as string);
    const patterns = documented.filter((name) => name.includes('<'));
    expect(documented.filter((name) => !name.includes('<')).sort()).toEqual([...configVariableNames].sort());
    expect(patterns.sort()).toEqual([
      'BETTERWORKS_PATH_<RESOURCE>',
      'SCHEDULE_<RESOURCE>',
      'SCHEDULE_<RESOURCE>_TZ',
    ]);
  });

  it('gives the two set-up commands', () => {
    expect(readme).toContain('npm ci && npx bwsync demo');
    expect(readme).toMatch(/^ {4}npm test /m);
  });
});
