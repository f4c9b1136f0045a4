/**
 * Syncs several resources concurrently (up to `concurrency` at once, all sharing the client's limiter),
 * the largest first (see largest-first.ts); results come back in the order given.
 * A forbidden resource is recorded and the others go on; a rejected key or a pending privacy notice stops
 * every resource at once, since no request with that key can succeed.
 */
import { newCounters } from '../betterworks/client.ts';
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { isFatalForRun } from '../errors.ts';
import { largestFirst } from '../warehouse/largest-first.ts';
import { type RunResult, runSync, type SyncDeps, type SyncOptions } from './run-sync.ts';

export type OverallStatus = 'ok' | 'partial' | 'failed';

export interface SyncSummary {
  status: OverallStatus;
  results: RunResult[];
  /** Wall time of the whole sync, all resources together. */
  durationMs: number;
}

export function overallStatus(results: readonly Pick<RunResult, 'status'>[]): OverallStatus {
  if (results.some((r) => r.status === 'failed')) return 'failed';
  if (results.some((r) => r.status !== 'ok')) return 'partial';
  return 'ok';
}

/** A result for a resource that did no work (not started, or known only from a queue job). */
export function idleRunResult(resource: string, fields: Partial<RunResult> = {}): RunResult {
  return {
    runId: null,
    resource,
    status: 'failed',
    mode: 'full',
    pages: 0,
    pagesUnchanged: 0,
    seen: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    rejected: 0,
    recordsChanged: null,
    deleteRefused: false,
    http: newCounters(),
    durationMs: 0,
    ...fields,
  };
}

function notStarted(resource: Resource, reason: unknown): RunResult {
  const message = reason instanceof Error ? reason.message : String(reason);
  return idleRunResult(resource.name, {
    errorCode: (reason as { code?: string }).code ?? 'ABORTED',
    errorMessage: `not started: ${message}`,
    error: reason,
  });
}

export async function syncResources(
  resources: readonly Resource[],
  deps: SyncDeps,
  options: SyncOptions & { concurrency: number },
): Promise<SyncSummary> {
  const startedAt = Date.now();
  const stopAll = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopAll.signal]) : stopAll.signal;
  const results = new Map<string, RunResult>();
  const queue = await largestFirst(deps.db, resources);
  const worker = async () => {
    for (let resource = queue.shift(); resource; resource = queue.shift()) {
      if (signal.aborted) {
        results.set(resource.name, notStarted(resource, signal.reason));
        continue;
      }
      const result = await runSync(resource, deps, { ...options, signal });
      results.set(resource.name, result);
      if (isFatalForRun(result.error) && !stopAll.signal.aborted) stopAll.abort(result.error);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(options.concurrency, resources.length)) }, worker),
  );
  const ordered = resources.map((resource) => results.get(resource.name) as RunResult);
  return { status: overallStatus(ordered), results: ordered, durationMs: Date.now() - startedAt };
}
