import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/cli.ts';

describe('npm run bench', () => {
  it('runs end to end at a small scale and reports every figure (no timing is asserted here)', async () => {
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'bwsync-bench-')), 'results.md');
    const result = await runCommand(
      ['bench/run.ts', '--scale', '0.05', '--repeat', '1', '--json', '--out', out],
      240_000,
    );
    expect(result.code, result.stderr).toBe(0);
    const figures = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const key of [
      'fetchLimitRps',
      'copyLimitRps',
      'fullSyncRps',
      'fullSyncRatio',
      'resyncTimeRatio',
      'resyncCliTimeRatio',
      'fetchLimitFreshProcessRps',
      'resyncRowsWritten',
      'changedRowsWritten',
      'changedRowsExpected',
      'rssSmallMb',
      'rssLargeMb',
      'rssRatio',
      'politeness',
      'provoked429',
    ]) {
      expect(typeof figures[key], key).toBe('number');
    }
    // Correctness figures hold at any scale; speed and memory are judged in bench/results.md, not here.
    expect(figures.resyncRowsWritten).toBe(0);
    expect(figures.changedRowsWritten).toBe(figures.changedRowsExpected);
    expect(figures.provoked429).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('# Benchmark results');
  });
});
