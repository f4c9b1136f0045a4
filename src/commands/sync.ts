/** `bwsync sync` and `bwsync runs`, and the in-process sync that `demo` shares. */
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { type Config, requireApiToken } from '../config.ts';
import { formatTable } from '../format-table.ts';
import { log } from '../logger.ts';
import { createProgressDisplay } from '../sync/progress-display.ts';
import { summaryJson, summaryText } from '../sync/summary.ts';
import { createSyncContext } from '../sync/sync-context.ts';
import { type SyncSummary, syncResources } from '../sync/sync-resources.ts';
import { assertMigrated, createDb } from '../warehouse/db.ts';
import { configure, EXIT_FOR_STATUS, selectResources } from './shared.ts';

/** Runs a sync in this process with progress on a terminal; returns the summary. */
export async function runSyncCommand(
  config: Config,
  selected: readonly Resource[],
  options: { trigger: string; restart: boolean; allowMassDelete: boolean },
): Promise<SyncSummary> {
  const context = createSyncContext(config, log);
  await assertMigrated(context.deps.db, config.database.url).catch(async (error: unknown) => {
    await context.close();
    throw error;
  });
  const display = createProgressDisplay();
  const abort = new AbortController();
  const onSignal = () =>
    abort.abort(new Error('interrupted; the last committed batch is kept and the next run resumes from it'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await syncResources(selected, context.deps, {
      ...options,
      concurrency: config.sync.concurrency,
      signal: abort.signal,
      onProgress: (progress) => display.update(progress),
    });
  } finally {
    display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await context.close();
  }
}

interface SyncFlags {
  full?: boolean;
  json?: boolean;
  allowDeletes?: boolean;
  trigger: string;
}

export async function sync(names: string[], flags: SyncFlags): Promise<void> {
  const selected = selectResources(names);
  const config = configure({ quietOnTerminal: true });
  requireApiToken(config);
  const summary = await runSyncCommand(config, selected, {
    trigger: flags.trigger,
    restart: flags.full ?? false,
    allowMassDelete: flags.allowDeletes ?? false,
  });
  process.stdout.write(
    flags.json ? `${JSON.stringify(summaryJson(summary), null, 2)}\n` : `${summaryText(summary)}\n`,
  );
  process.exitCode = EXIT_FOR_STATUS[summary.status];
}

interface RunsFlags {
  resource?: string;
  limit: number;
  json?: boolean;
}

export async function runs(flags: RunsFlags): Promise<void> {
  if (flags.resource) selectResources([flags.resource]);
  const config = configure();
  const { db } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-runs' });
  try {
    let query = db.selectFrom('sync_runs').selectAll().orderBy('id', 'desc').limit(flags.limit);
    if (flags.resource) query = query.where('resource', '=', flags.resource);
    const rows = await query.execute();
    if (flags.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('no runs yet; start one with `bwsync sync`\n');
      return;
    }
    const table = formatTable(
      [
        'id',
        'resource',
        'trigger',
        'mode',
        'status',
        'started',
        'duration',
        'seen',
        'ins',
        'upd',
        'del',
        'rej',
        '429s',
        'error',
      ],
      rows.map((r) => [
        Number(r.id),
        r.resource,
        r.trigger,
        r.mode,
        r.status,
        r.started_at.toISOString().replace('T', ' ').slice(0, 19),
        r.finished_at
          ? `${((r.finished_at.getTime() - r.started_at.getTime()) / 1000).toFixed(1)}s`
          : 'running',
        Number(r.rows_seen),
        Number(r.rows_inserted),
        Number(r.rows_updated),
        Number(r.rows_deleted),
        Number(r.rows_rejected),
        r.http_429s,
        r.error_code ?? '',
      ]),
    );
    process.stdout.write(`${table}\n`);
  } finally {
    await db.destroy();
  }
}
