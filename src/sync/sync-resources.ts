/**
 * Syncs several resources concurrently (up to `concurrency` at once, all sharing the client's limiter).
 * A forbidden resource is recorded and the others go on; a rejected key or a pending privacy notice stops
 * every resource at once, since no request with that key can succeed.
 */
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { isFatalForRun } from '../errors.ts';
import { type RunResult, runSync, type SyncDeps, type SyncOptions } from './run-sync.ts';

export type OverallStatus = 'ok' | 'partial' | 'failed';

export interface SyncSummary {
  status: OverallStatus;
  results: RunResult[];
}

export function overallStatus(results: readonly Pick<RunResult, 'status'>[]): OverallStatus {
  if (results.some((r) => r.status === 'failed')) return 'failed';
  if (results.some((r) => r.status !== 'ok')) return 'partial';
  return 'ok';
}

function notStarted(resource: Resource, reason: unknown): RunResult {
  const message = reason instanceof Error ? reason.message : String(reason);
  return {
    runId: null,
    resource: resource.name,
    status: 'failed',
    mode: 'full',
    pages: 0,
    seen: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    deleted: 0,
    rejected: 0,
    recordsChanged: null,
    deleteRefused: false,
    http: { requests: 0, retries: 0, throttled: 0, byStatus: {} },
    durationMs: 0,
    errorCode: (reason as { code?: string }).code ?? 'ABORTED',
    errorMessage: `not started: ${message}`,
    error: reason,
  };
}

export async function syncResources(
  resources: readonly Resource[],
  deps: SyncDeps,
  options: SyncOptions & { concurrency: number },
): Promise<SyncSummary> {
  const stopAll = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stopAll.signal]) : stopAll.signal;
  const results = new Map<string, RunResult>();
  const queue = [...resources];
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
  return { status: overallStatus(ordered), results: ordered };
}
