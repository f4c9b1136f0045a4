/** Turns run results into the summary `bwsync sync` prints, as a table or as JSON. */
import { formatTable } from '../format-table.ts';
import type { RunResult } from './run-sync.ts';
import type { SyncSummary } from './sync-resources.ts';

/** One resource's run as reported outside the process (`--json`, job results). */
export type RunSummary = Pick<
  RunResult,
  | 'resource'
  | 'status'
  | 'runId'
  | 'pages'
  | 'pagesUnchanged'
  | 'seen'
  | 'inserted'
  | 'updated'
  | 'unchanged'
  | 'deleted'
  | 'rejected'
  | 'recordsChanged'
  | 'durationMs'
  | 'errorCode'
  | 'errorMessage'
>;

export interface SummaryJson {
  status: SyncSummary['status'];
  durationMs: number;
  resources: RunSummary[];
}

export function runSummary(r: RunResult): RunSummary {
  return {
    resource: r.resource,
    status: r.status,
    runId: r.runId,
    pages: r.pages,
    pagesUnchanged: r.pagesUnchanged,
    seen: r.seen,
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    deleted: r.deleted,
    rejected: r.rejected,
    recordsChanged: r.recordsChanged,
    durationMs: r.durationMs,
    ...(r.errorCode ? { errorCode: r.errorCode } : {}),
    ...(r.errorMessage ? { errorMessage: r.errorMessage } : {}),
  };
}

export function summaryJson(summary: SyncSummary): SummaryJson {
  return {
    status: summary.status,
    durationMs: summary.durationMs,
    resources: summary.results.map(runSummary),
  };
}

export function summaryText(summary: SyncSummary): string {
  const table = formatTable(
    ['resource', 'status', 'seen', 'inserted', 'updated', 'unchanged', 'deleted', 'rejected', 'duration'],
    summary.results.map((r) => [
      r.resource,
      r.status,
      r.seen,
      r.inserted,
      r.updated,
      r.unchanged,
      r.deleted,
      r.rejected,
      `${(r.durationMs / 1000).toFixed(1)}s`,
    ]),
  );
  const problems: string[] = [];
  const forbidden = summary.results.filter((r) => r.status === 'forbidden').map((r) => r.resource);
  if (forbidden.length > 0) {
    problems.push(`Forbidden to this key: ${forbidden.join(', ')}. A complete sync needs a Super Admin key.`);
  }
  const messages = new Set<string>();
  for (const r of summary.results) {
    if (r.status === 'forbidden' || !r.errorMessage) continue;
    const message = r.errorMessage.replace(/^not started: /, '');
    if (!messages.has(message)) {
      messages.add(message);
      problems.push(`${r.resource}: ${message}`);
    }
  }
  for (const r of summary.results.filter((x) => x.deleteRefused)) {
    problems.push(
      `${r.resource}: delete detection refused a mass deletion. If the source really lost those rows, ` +
        `confirm with \`bwsync sync ${r.resource} --allow-deletes\`.`,
    );
  }
  const rejected = summary.results.filter((r) => r.rejected > 0).map((r) => `${r.resource} (${r.rejected})`);
  if (rejected.length > 0) problems.push(`Records quarantined in sync_rejects: ${rejected.join(', ')}.`);
  return [table, '', `Overall: ${summary.status}`, ...problems].join('\n');
}
