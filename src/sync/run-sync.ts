/**
 * `runSync`: one run of one resource, from the API into the warehouse.
 *
 * - Streams batch by batch: up to two batches are read ahead (and one page requested ahead) while the
 *   current batch is written; memory holds those batches, as page bodies, whatever the size of the
 *   resource.
 * - Checkpoints: each batch commits in one transaction with the position after it (the next page's URL),
 *   the run's counters and the ids it saw. A run that dies resumes from its last checkpoint; the pass
 *   (and so delete detection) spans every run that contributed to it.
 * - Delete detection only after the last page of a pass is committed; never after a partial pass.
 * - One run per resource at a time, across processes: a Postgres advisory lock, held on the run's own
 *   connection, which also owns the staging tables.
 * - A dropped database connection (restart, failover, pg_terminate_backend) is retried from the last
 *   checkpoint; API errors end the run with a typed status.
 */
import { type RawBuilder, sql } from 'kysely';
import pg from 'pg';

import type { ApiClient, RequestCounters } from '../betterworks/client.ts';
import { decodeBody, newCounters } from '../betterworks/client.ts';
import { normalizeRecord, type RejectedRecord, recordIdOf } from '../betterworks/normalize.ts';
import { firstPageUrl, type Page, paginate, readEnvelope } from '../betterworks/paginate.ts';
import { mainTable, type Resource, resourcePath } from '../betterworks/resources/define-resource.ts';
import { ApiError, BwsyncError, ForbiddenError, LockTimeoutError, RateLimitedError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import {
  addCounts,
  emptyCounts,
  isEmptyBatch,
  type LoadCounts,
  loadBatch,
  loadItemFrom,
  lookupRecords,
  newBatch,
  type PageSources,
  pageFingerprint,
  pageSources,
  recordBytes,
  type StagedBatch,
  stageItem,
} from '../warehouse/bulk-loader.ts';
import { type Db, dbOnClient } from '../warehouse/db.ts';
import {
  confirmHeldPages,
  forgetPages,
  forgetPagesAfterPass,
  type HeldPage,
  loadHeldPages,
  lockedWriteGeneration,
  lockWriteGeneration,
  markHeldPagesSeen,
  type PagePrint,
  pageCheck,
  savePagePrints,
} from '../warehouse/held-pages.ts';
import { reconcileDeletes } from '../warehouse/reconcile.ts';
import type { Checkpoint, RunStatus } from '../warehouse/tables.ts';

export interface SyncSettings {
  batchRows: number;
  lockTimeoutMs: number;
  deleteMaxShare: number;
  deleteGuardMinRows: number;
  pageSize: number;
  pathOverrides: Readonly<Record<string, string>>;
}

export interface SyncDeps {
  /** Pool for the run's own connection; `db` is a Kysely over the same pool. */
  pool: pg.Pool;
  db: Db;
  client: ApiClient;
  settings: SyncSettings;
  log: Logger;
}

export interface SyncProgress {
  resource: string;
  runId: number;
  pages: number;
  records: number;
  startedAt: number;
}

export interface SyncOptions {
  /** Recorded in sync_runs.trigger: cli, schedule, backfill, demo… */
  trigger: string;
  /** Ignore a saved checkpoint and start a new pass. */
  restart?: boolean;
  signal?: AbortSignal;
  /** Confirms a deletion larger than the guard allows. */
  allowMassDelete?: boolean;
  /** The BullMQ job running this sync, recorded in sync_runs.job_id. */
  jobId?: string;
  onProgress?(progress: SyncProgress): void;
}

export interface RunResult {
  runId: number | null;
  resource: string;
  status: Exclude<RunStatus, 'running'>;
  mode: 'full' | 'resume';
  pages: number;
  /** Pages served exactly as last read, whose records were confirmed held and not parsed again. */
  pagesUnchanged: number;
  seen: number;
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
  rejected: number;
  recordsChanged: number | null;
  deleteRefused: boolean;
  http: RequestCounters;
  durationMs: number;
  errorCode?: string;
  errorMessage?: string;
  error?: unknown;
}

const LOCK_POLL_MS = 250;
const DB_RETRIES = 5;

const TRANSIENT_DB_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/** A dropped or refused database connection, worth reconnecting for. */
export function isTransientDbError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const code = (error as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (TRANSIENT_DB_CODES.has(code) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE'].includes(code))
  ) {
    return true;
  }
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection error|not queryable|terminating connection/i.test(message);
}

function lockKey(resource: string): string {
  return `bwsync:${resource}`;
}

/**
 * Takes the resource's lock, polling until `timeoutMs`. Once it holds the lock, the connection's batch
 * commits stop waiting for their WAL flush (see runSync), in the same round trip; `releaseLock` undoes both.
 */
async function acquireLock(client: pg.ClientBase, resource: string, timeoutMs: number, signal?: AbortSignal) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await client.query<{ locked: boolean }>(
      `with attempt as materialized (select pg_try_advisory_lock(hashtext($1)) as locked)
       select locked, case when locked then set_config('synchronous_commit', 'off', false) end from attempt`,
      [lockKey(resource)],
    );
    if (result.rows[0]?.locked) return;
    if (Date.now() >= deadline || signal?.aborted) throw new LockTimeoutError(resource, timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/** Gives the lock back and the connection its own commit setting, in one round trip. */
async function releaseLock(client: pg.ClientBase, resource: string): Promise<void> {
  // Without parameters the statements go as one simple query.
  await client.query(
    `reset synchronous_commit; select pg_advisory_unlock(hashtext(${client.escapeLiteral(lockKey(resource))}))`,
  );
}

/**
 * Keeps `depth` items of `source` in the making while the consumer works on the one it was handed, so
 * producing (fetching) overlaps consuming (writing).
 */
async function* readAhead<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const queue: Promise<IteratorResult<T>>[] = [];
  const pull = () => {
    const next = source.next();
    // The consumer may stop early; a rejection nobody awaits must not crash the process.
    next.catch(() => {});
    queue.push(next);
  };
  try {
    for (let i = 0; i < depth; i++) pull();
    for (;;) {
      const result = await (queue.shift() as Promise<IteratorResult<T>>);
      if (result.done) return;
      pull();
      yield result.value;
    }
  } finally {
    await source.return(undefined).catch(() => {});
  }
}

interface PassState {
  runId: number;
  passId: number;
  resumed: boolean;
  startUrl: string | null;
  startIndex: number;
  /** See `Checkpoint.initialLoad`. */
  initialLoad: boolean;
  /**
   * The write generation this pass may trust (see held-pages.ts): the one the last complete pass settled,
   * for a pass begun by this run and not forced with `--full`; otherwise null.
   */
  settled: string | null;
  /** The write generation when this run opened the pass. */
  openedAt: string;
}

/**
 * Opens the run: a sync_runs row, and the pass it continues or starts. Two round trips: only this
 * resource's runs write its sync_state row, and they hold its lock, so the row is read without one and
 * everything opening the run writes is one statement.
 */
async function openRun(db: Db, resource: Resource, deps: SyncDeps, options: SyncOptions): Promise<PassState> {
  const found = await sql<{
    pass_id: string | null;
    checkpoint: Checkpoint | null;
    settled_generation: string | null;
    generation: string | null;
    has_rows: boolean;
  }>`select s.pass_id, s.checkpoint, s.settled_generation,
       (select generation from sync_table_writes where resource = ${resource.name}) as generation,
       exists (select 1 from ${sql.table(mainTable(resource))}) as has_rows
     from (select) as one left join sync_state s on s.resource = ${resource.name}`.execute(db);
  const state = found.rows[0];
  const checkpoint = state?.checkpoint ?? null;
  const passId = state?.pass_id ?? null;
  const resumed = !options.restart && checkpoint !== null && passId !== null;
  // A new pass forgets the records its predecessor saw and takes the run's id.
  const newPass = resumed
    ? sql``
    : sql`, forgotten as (delete from sync_seen_batches where pass_id = ${passId}),
        pass as (
          insert into sync_state (resource, pass_id, pass_started_at, checkpoint, updated_at)
          select ${resource.name}, id, now(), null, now() from run
          on conflict (resource) do update set pass_id = excluded.pass_id,
            pass_started_at = excluded.pass_started_at, checkpoint = null, updated_at = excluded.updated_at)`;
  // We hold the resource's lock, so any run still marked running died without finishing (the new run is
  // not in the statement's snapshot).
  const opened = await sql<{ id: string }>`with run as (
      insert into sync_runs (resource, trigger, mode, resumed_from_run_id, job_id)
      values (${resource.name}, ${options.trigger}, ${resumed ? 'resume' : 'full'}, ${resumed ? passId : null},
        ${options.jobId ?? null})
      returning id),
    interrupted as (
      update sync_runs set status = 'failed', finished_at = now(), error_code = 'RUN_INTERRUPTED',
        error_message = 'the process stopped before the run finished; run ' || (select id from run) ||
          ${resumed ? ' resumed it from its checkpoint' : ' started a new pass'}
      where resource = ${resource.name} and status = 'running')
    ${newPass}
    select id from run`.execute(db);
  const runId = Number(opened.rows[0]?.id);
  const openedAt = state?.generation ?? '0';
  if (resumed && checkpoint) {
    return {
      runId,
      passId: Number(passId),
      resumed,
      startUrl: checkpoint.nextUrl,
      startIndex: checkpoint.pages,
      initialLoad: checkpoint.initialLoad === true,
      settled: null,
      openedAt,
    };
  }
  const path = resourcePath(resource, deps.settings.pathOverrides);
  return {
    runId,
    passId: runId,
    resumed: false,
    startUrl: firstPageUrl(resource, path, deps.settings.pageSize),
    startIndex: 0,
    initialLoad: state?.has_rows !== true,
    settled: options.restart ? null : (state?.settled_generation ?? null),
    openedAt,
  };
}

/** After a reconnect: continue from whatever the last committed checkpoint says. */
async function reopenPass(db: Db, resource: Resource, pass: PassState): Promise<PassState> {
  const state = await db
    .selectFrom('sync_state')
    .select('checkpoint')
    .where('resource', '=', resource.name)
    .executeTakeFirst();
  const checkpoint = state?.checkpoint ?? null;
  return checkpoint ? { ...pass, startUrl: checkpoint.nextUrl, startIndex: checkpoint.pages } : pass;
}

interface Tally extends LoadCounts {
  pages: number;
  pagesUnchanged: number;
  rejected: number;
}

/** Commits one batch: rows, rejects, counters and the checkpoint after it, in one transaction. */
async function commitBatch(
  client: pg.ClientBase,
  db: Db,
  resource: Resource,
  pass: PassState,
  batch: BatchExtras & { staged: StagedBatch; pages: number; checkpoint: Checkpoint },
  tally: Tally,
  http: RequestCounters,
): Promise<void> {
  if (batch.rejects.length === 0 && isEmptyBatch(batch.staged)) {
    await commitSeenOnly(db, resource, pass, batch, tally, http);
    return;
  }
  const next = await db.transaction().execute(async (trx) => {
    const counts = await loadBatch(client, resource, batch.staged, {
      runId: pass.runId,
      passId: pass.passId,
    });
    for (const statement of seenAndPrints(resource, pass, batch)) await statement.execute(trx);
    if (batch.rejects.length > 0) {
      await trx
        .insertInto('sync_rejects')
        .values(
          batch.rejects.map((reject) => ({
            resource: resource.name,
            run_id: String(pass.runId),
            record_id: reject.recordId,
            reason: reject.reason,
            issues: JSON.stringify(reject.issues),
            raw: reject.raw === null ? null : JSON.stringify(reject.raw),
          })),
        )
        .execute();
    }
    await trx
      .updateTable('sync_state')
      .set({ checkpoint: JSON.stringify(batch.checkpoint), updated_at: new Date() })
      .where('resource', '=', resource.name)
      .execute();
    const after = tallyAfter(tally, batch, counts);
    await trx
      .updateTable('sync_runs')
      .set(runCounters(after, http))
      .where('id', '=', String(pass.runId))
      .execute();
    return after;
  });
  // Only once the transaction has committed do its counts belong to the run.
  Object.assign(tally, next);
}

/**
 * Commits a batch that writes no rows (every record unchanged, as in most of a re-sync): the records and
 * pages it saw, the prints of the pages it read, its checkpoint and the run's counters in one statement,
 * so one round trip instead of several.
 */
async function commitSeenOnly(
  db: Db,
  resource: Resource,
  pass: PassState,
  batch: Omit<BatchExtras, 'rejects'> & { pages: number; checkpoint: Checkpoint },
  tally: Tally,
  http: RequestCounters,
): Promise<void> {
  const after = tallyAfter(tally, batch);
  // Each part touches rows no other part does, as statements sharing one snapshot must.
  const parts = [
    sql`update sync_state set checkpoint = ${JSON.stringify(batch.checkpoint)}, updated_at = now()
        where resource = ${resource.name}`,
    ...seenAndPrints(resource, pass, batch),
  ];
  const counters = Object.entries(runCounters(after, http)).map(
    ([column, value]) => sql`${sql.ref(column)} = ${value}`,
  );
  await sql`with ${sql.join(parts.map((part, i) => sql`${sql.raw(`part${i}`)} as (${part})`))}
    update sync_runs set ${sql.join(counters)} where id = ${pass.runId}`.execute(db);
  Object.assign(tally, after);
}

/** The run's tally once this batch has committed: its rows written (`counts`), seen and rejected. */
function tallyAfter(
  tally: Tally,
  batch: Pick<BatchExtras, 'unchanged' | 'held'> & { pages: number; rejects?: readonly unknown[] },
  counts: LoadCounts = emptyCounts(),
): Tally {
  const after = { ...tally };
  addCounts(after, counts);
  const onlySeen = batch.unchanged.rows + batch.held.rows;
  after.seen += onlySeen;
  after.unchanged += onlySeen;
  after.pages += batch.pages;
  after.pagesUnchanged += batch.held.positions.length;
  after.rejected += batch.rejects?.length ?? 0;
  return after;
}

/**
 * A batch's bookkeeping besides its rows: the records it saw unchanged, the held pages it confirmed, the
 * prints it keeps and those it forgets. Each statement touches rows no other one does.
 */
function seenAndPrints(
  resource: Resource,
  pass: PassState,
  batch: Pick<BatchExtras, 'unchanged' | 'held' | 'prints' | 'forget'>,
): RawBuilder<unknown>[] {
  const statements: RawBuilder<unknown>[] = [];
  if (batch.unchanged.ids.length > 0)
    statements.push(
      sql`insert into sync_seen_batches (pass_id, ids) values (${pass.passId}, ${batch.unchanged.ids})`,
    );
  if (batch.held.positions.length > 0) statements.push(markHeldPagesSeen(pass.passId, batch.held.positions));
  if (batch.prints.length > 0) statements.push(savePagePrints(resource.name, batch.prints));
  if (batch.forget.length > 0) statements.push(forgetPages(resource.name, batch.forget));
  return statements;
}

function runCounters(tally: Tally, http: RequestCounters) {
  return {
    pages: tally.pages,
    pages_unchanged: tally.pagesUnchanged,
    rows_seen: tally.seen,
    rows_inserted: tally.inserted,
    rows_updated: tally.updated,
    rows_unchanged: tally.unchanged,
    rows_deleted: tally.deleted,
    rows_rejected: tally.rejected,
    http_requests: http.requests,
    http_retries: http.retries,
    http_429s: http.throttled,
  };
}

/**
 * A page whose records wait for their batch's lookup: only its body is kept (bytes outside the JavaScript
 * heap, which the garbage collector neither copies nor scans), parsed again if any of its records needs
 * validating.
 */
interface PendingPage {
  body: Buffer;
  records?: unknown[];
  /** Where its records are in the body, and whether they are plain (see `pageSources`). */
  sources?: Pick<PageSources, 'spans' | 'plain'>;
}

/** A record waiting for its batch: its id, the hash of the record as received, and where to find it. */
interface PendingRecord {
  id: number | null;
  hash: string;
  page: PendingPage;
  index: number;
  /** The print of its page, which counts the rows the record holds once they are known. */
  print: PrintDraft;
}

function recordAt({ page, index }: PendingRecord): unknown {
  if (!page.records) page.records = recordsOf(page.body);
  return page.records[index];
}

function recordsOf(body: Buffer): unknown[] {
  const envelope = readEnvelope(JSON.parse(decodeBody(body)));
  if (typeof envelope === 'string') throw new Error(`a page read before no longer parses: ${envelope}`);
  return envelope.records;
}

/**
 * A page read by this pass, to be kept for the next (see held-pages.ts). It can be kept only if every one
 * of its records has an id, appears once, and loads: `keep` turns false otherwise.
 */
interface PrintDraft extends PagePrint {
  keep: boolean;
}

function newPrint(page: { index: number; hash?: string; nextUrl: string | null }): PrintDraft {
  return {
    position: page.index,
    hash: page.hash ?? '',
    nextUrl: page.nextUrl,
    ids: [],
    check: '',
    rows: 0,
    keep: page.hash !== undefined,
  };
}

/** Adds a record to its page's print. */
function addToPrint(print: PrintDraft, id: number | null): void {
  if (id === null || print.ids.includes(id)) print.keep = false;
  else print.ids.push(id);
}

/**
 * Once every record of the page is added: the check over their hashes (all of the page's, as a print is
 * kept only if every record has an id and appears once), made now rather than when the batch is written,
 * so that the hashes do not outlive the page (a batch lives long enough for the garbage collector to copy
 * everything it holds twice).
 */
function sealPrint(print: PrintDraft, sources: PageSources): void {
  print.check = pageCheck(sources.hashes);
}

/** The records of a page read, waiting for their batch's lookup; each is added to the page's print. */
function pendingRecordsOf(
  resource: Resource,
  page: PendingPage,
  records: readonly unknown[],
  print: PrintDraft,
): PendingRecord[] {
  const sources = pageSources(resource, page.body, records);
  page.sources = { spans: sources.spans, plain: sources.plain };
  const pending = records.map((record, index) => {
    const id = recordIdOf(record);
    addToPrint(print, id);
    return { id, hash: sources.hashes[index] as string, page, index, print };
  });
  sealPrint(print, sources);
  return pending;
}

/** A page served exactly as this pass's print of it, waiting for its batch to confirm its records. */
interface HeldPending {
  position: number;
  body: Buffer;
  held: HeldPage;
}

/** Reads the pending records of a page whose print could not be confirmed, as for any page read. */
function readAgain(resource: Resource, page: HeldPending): { print: PrintDraft; records: PendingRecord[] } {
  const print = newPrint({ index: page.position, hash: page.held.hash, nextUrl: page.held.nextUrl });
  const records = recordsOf(page.body);
  return { print, records: pendingRecordsOf(resource, { body: page.body, records }, records, print) };
}

/** What a batch commits besides its staged rows. */
interface BatchExtras {
  rejects: RejectedRecord[];
  /** Records skipped as unchanged, and how many live rows they hold. */
  unchanged: { ids: number[]; rows: number };
  /** Held pages whose records were confirmed: only marked seen. */
  held: { positions: number[]; rows: number };
  /** Pages read that are kept for the next pass, and those that cannot be (their old prints go). */
  prints: PagePrint[];
  forget: number[];
}

/**
 * Turns a batch read ahead into what to commit. Held pages are confirmed with one query, and those that
 * cannot be are read like the others; then one lookup sorts the records: those the warehouse already holds
 * exactly as received are only marked seen (no validation, no staging), the rest are validated and staged
 * as COPY lines, those it has no row for yet marked new.
 */
async function prepareBatch(
  client: pg.ClientBase,
  resource: Resource,
  pass: PassState,
  read: PendingBatch,
): Promise<BatchExtras & { staged: StagedBatch }> {
  const confirmed = await confirmHeldPages(
    client,
    resource,
    read.held.map((page) => page.position),
    pass.settled,
  );
  const held = { positions: [] as number[], rows: 0 };
  const pending = [...read.pending];
  const drafts = [...read.prints];
  for (const page of read.held) {
    if (confirmed.has(page.position)) {
      held.positions.push(page.position);
      held.rows += page.held.rows;
      continue;
    }
    const again = readAgain(resource, page);
    pending.push(...again.records);
    drafts.push(again.print);
  }
  const found = await lookupRecords(
    client,
    resource,
    pending.flatMap(({ id, hash }) => (id === null ? [] : [{ id, hash }])),
  );
  const staged = newBatch(resource, pass.runId);
  const rejects: RejectedRecord[] = [];
  const unchanged = { ids: new Set<number>(), rows: 0 };
  for (const record of pending) {
    const { id, hash } = record;
    const rowsHeld = id === null ? undefined : found.get(id);
    if (id !== null && typeof rowsHeld === 'number') {
      if (!unchanged.ids.has(id)) unchanged.rows += rowsHeld;
      unchanged.ids.add(id);
      record.print.rows += rowsHeld;
      continue;
    }
    const result = normalizeRecord(resource, recordAt(record), record.page.sources?.plain);
    if (result.ok) {
      const { body, sources } = record.page;
      const json = sources && recordBytes(body, sources, record.index);
      const item = loadItemFrom(result, { hash, json }, id !== null && rowsHeld === undefined);
      record.print.rows += stageItem(resource, staged, item);
    } else {
      rejects.push(result.reject);
      record.print.keep = false;
    }
  }
  return {
    staged,
    rejects,
    unchanged: { ids: [...unchanged.ids], rows: unchanged.rows },
    held,
    ...sortPrints(drafts),
  };
}

function sortPrints(drafts: readonly PrintDraft[]): Pick<BatchExtras, 'prints' | 'forget'> {
  return {
    prints: drafts.filter((draft) => draft.keep),
    forget: drafts.filter((draft) => !draft.keep).map((draft) => draft.position),
  };
}

/**
 * A held page's records weigh this much toward a batch's size. Such a batch costs two round trips whatever
 * its size and nothing per record, so holding more of them per batch saves round trips: at the default
 * 3,000 records a batch, about 100 pages of 100 records. Measured on an unchanged re-sync of 105k records,
 * batches of 100 held pages instead of 10 took 1.10 s down to 1.0 s with no change in peak RSS. The cost is
 * a coarser checkpoint over pages that are cheap to read again.
 */
const HELD_RECORD_WEIGHT = 0.3;

/** Records read from consecutive pages, with the position after the last of them. */
interface PendingBatch {
  pages: number;
  records: number;
  /** Records toward `batchRows`: those of held pages count `HELD_RECORD_WEIGHT` each. */
  weight: number;
  checkpoint: Checkpoint;
  /** Records waiting for the lookup that sorts them into unchanged, changed and new. */
  pending: PendingRecord[];
  /** Pages served exactly as printed, waiting for their records to be confirmed. */
  held: HeldPending[];
  /** Prints of the pages read (in an initial load, complete; otherwise counted after the lookup). */
  prints: PrintDraft[];
  /** In an initial load: records already validated and staged as new (no lookup). */
  staged: StagedBatch | null;
  rejects: RejectedRecord[];
}

/** The position after `page`. */
function positionAfter(page: Page, pass: PassState): Checkpoint {
  return { nextUrl: page.nextUrl, pages: page.index + 1, initialLoad: pass.initialLoad };
}

/**
 * Groups pages into batches of at least `batchRows` records (see `HELD_RECORD_WEIGHT`): in an initial load,
 * validated and staged as they arrive; otherwise as each record's id and source hash, with its page's body
 * to read it from again after the lookup, or as a whole page held from the last pass. When the source fails
 * in a way that leaves the pages already read whole (an API error, an abort), those pages are yielded as a
 * last, short batch before the error is rethrown.
 */
async function* batchesOf(
  resource: Resource,
  pass: PassState,
  pages: AsyncGenerator<Page>,
  heldPages: ReadonlyMap<number, HeldPage>,
  batchRows: number,
  keepsPagesRead: (error: unknown) => boolean,
  onPage: (pages: number, records: number) => void,
): AsyncGenerator<PendingBatch> {
  let batch: PendingBatch | null = null;
  try {
    for await (const page of pages) {
      const current: PendingBatch = batch ?? {
        pages: 0,
        records: 0,
        weight: 0,
        checkpoint: positionAfter(page, pass),
        pending: [],
        held: [],
        prints: [],
        staged: pass.initialLoad ? newBatch(resource, pass.runId) : null,
        rejects: [],
      };
      batch = current;
      const held = page.held ? heldPages.get(page.index) : undefined;
      if (held) {
        current.held.push({ position: page.index, body: page.body, held });
        current.records += held.records;
        current.weight += held.records * HELD_RECORD_WEIGHT;
      } else {
        const print = newPrint(page);
        current.prints.push(print);
        if (current.staged) {
          // An initial load has nothing to look up: each record is validated and staged as it arrives.
          const sources = pageSources(resource, page.body, page.records);
          for (let index = 0; index < page.records.length; index++) {
            const record = page.records[index];
            addToPrint(print, recordIdOf(record));
            const result = normalizeRecord(resource, record, sources.plain);
            if (result.ok) {
              const source = {
                hash: sources.hashes[index] as string,
                json: recordBytes(page.body, sources, index),
              };
              print.rows += stageItem(resource, current.staged, loadItemFrom(result, source, true));
            } else {
              current.rejects.push(result.reject);
              print.keep = false;
            }
          }
          sealPrint(print, sources);
        } else {
          current.pending.push(...pendingRecordsOf(resource, { body: page.body }, page.records, print));
        }
        current.records += page.records.length;
        current.weight += page.records.length;
      }
      current.pages++;
      current.checkpoint = positionAfter(page, pass);
      onPage(current.pages, current.records);
      if (current.weight >= batchRows) {
        batch = null;
        yield current;
      }
    }
  } catch (error) {
    if (batch && keepsPagesRead(error)) yield batch;
    throw error;
  }
  if (batch) yield batch;
}

/**
 * Fetches from the pass's position to its end, committing batch by batch. Fetching runs up to two
 * batches ahead of writing, so the API and the warehouse work at the same time. Pages served exactly as
 * this resource's prints of them are not parsed (see held-pages.ts); an initial load holds none.
 */
async function fetchPass(
  client: pg.ClientBase,
  db: Db,
  resource: Resource,
  pass: PassState,
  deps: SyncDeps,
  options: SyncOptions,
  tally: Tally,
  http: RequestCounters,
  startedAt: number,
): Promise<void> {
  if (pass.startUrl === null) return;
  const heldPages: ReadonlyMap<number, HeldPage> = pass.initialLoad
    ? new Map()
    : await loadHeldPages(db, resource.name, pass.startIndex);
  const pages = paginate(deps.client, {
    startUrl: pass.startUrl,
    startIndex: pass.startIndex,
    resource: resource.name,
    signal: options.signal,
    counters: http,
    held: { fingerprint: (body) => pageFingerprint(resource, body), at: (index) => heldPages.get(index) },
  });
  const batches = batchesOf(
    resource,
    pass,
    pages,
    heldPages,
    deps.settings.batchRows,
    (error) => error instanceof ApiError || options.signal?.aborted === true,
    (pagesRead, recordsRead) =>
      options.onProgress?.({
        resource: resource.name,
        runId: pass.runId,
        pages: tally.pages + pagesRead,
        records: tally.seen + recordsRead,
        startedAt,
      }),
  );
  let committed = 0;
  // Two batches read ahead: a batch's lookup and commit do not hold up the API.
  for await (const read of readAhead(batches, 2)) {
    const batch = read.staged
      ? {
          staged: read.staged,
          rejects: read.rejects,
          unchanged: { ids: [], rows: 0 },
          held: { positions: [], rows: 0 },
          ...sortPrints(read.prints),
        }
      : await prepareBatch(client, resource, pass, read);
    const { pages: pagesRead, checkpoint } = read;
    await commitBatch(client, db, resource, pass, { ...batch, pages: pagesRead, checkpoint }, tally, http);
    committed++;
  }
  if (committed === 0) {
    // An empty first page: the pass is complete with nothing in it.
    await db
      .updateTable('sync_state')
      .set({ checkpoint: JSON.stringify({ nextUrl: null, pages: pass.startIndex }), updated_at: new Date() })
      .where('resource', '=', resource.name)
      .execute();
  }
}

/**
 * Closes the pass in one statement: forgets the records it saw and the prints beyond its end, and records
 * it complete, with the generation it settled (or null). Every part is conditional on `proceed`. The parts
 * touch different rows (the prints beyond the pass are read from the checkpoint as it was before the
 * statement). The end of a pass waits for its WAL flush (batches do not; see runSync), which flushes
 * every batch before it too: the setting counts at commit.
 */
function closePass(
  resource: Resource,
  pass: PassState,
  settled: string | null,
  proceed: RawBuilder<unknown> = sql`true`,
): RawBuilder<unknown> {
  return sql`seen as (delete from sync_seen_batches where pass_id = ${pass.passId} and ${proceed}),
    beyond as (${forgetPagesAfterPass(resource.name, proceed)}),
    closed as (
      update sync_state set settled_generation = ${settled}, checkpoint = null, pass_id = null,
        pass_started_at = null, last_complete_run_id = ${pass.runId}, last_complete_at = now(), updated_at = now()
      where resource = ${resource.name} and ${proceed}),
    durable as (select set_config('synchronous_commit', 'on', true))`;
}

/** The pass held every page of the pass that settled the tables. */
function heldEverything(pass: PassState, tally: Tally): boolean {
  return pass.settled !== null && !pass.resumed && tally.pages > 0 && tally.pagesUnchanged === tally.pages;
}

const NOTHING_DELETED = { live: 0, missing: 0, deleted: 0, refused: false };

async function finishPass(
  client: pg.ClientBase,
  db: Db,
  resource: Resource,
  pass: PassState,
  deps: SyncDeps,
  options: SyncOptions,
  tally: Tally,
  log: Logger,
) {
  // The common end of an unchanged re-sync, in one round trip: while the generation is still the settled
  // one, the pass saw exactly the records that pass left live (nothing to delete) and settles again.
  if (heldEverything(pass, tally)) {
    const closed = await sql<{
      closed: boolean;
    }>`with generation as (${lockedWriteGeneration(resource.name)}),
        go as (select from generation where generation = ${pass.settled}),
        ${closePass(resource, pass, pass.settled, sql`exists (select from go)`)}
      select exists (select from go) as closed, (select count(*) from durable)`.execute(db);
    if (closed.rows[0]?.closed) return NOTHING_DELETED;
  }
  return db.transaction().execute(async (trx) => {
    const generation = await lockWriteGeneration(trx, resource.name);
    // Nothing to delete, and no need to scan for it: a pass that began on an empty table (under the
    // resource's lock) wrote every row there is; a pass that held every page of the settled pass, with no
    // write since, saw exactly the records that pass left live.
    const nothingToDelete = pass.initialLoad || (pass.settled === generation && heldEverything(pass, tally));
    const result = nothingToDelete
      ? NOTHING_DELETED
      : await reconcileDeletes(client, resource, {
          runId: pass.runId,
          passId: pass.passId,
          maxShare: deps.settings.deleteMaxShare,
          minRows: deps.settings.deleteGuardMinRows,
          allowMassDelete: options.allowMassDelete ?? false,
        });
    if (result.refused) {
      log.warn(
        { live: result.live, missing: result.missing, runId: pass.runId },
        `refused to delete ${result.missing} of ${result.live} live ${resource.name} rows (more than ` +
          `${Math.round(deps.settings.deleteMaxShare * 100)}%); if the source really lost them, run ` +
          `\`bwsync sync ${resource.name} --allow-deletes\` (or raise SYNC_DELETE_MAX_SHARE)`,
      );
    }
    tally.deleted += result.deleted;
    // The pass settles the tables when it changed nothing and nobody else did while it ran: then every
    // record it saw was confirmed against the rows as they are now. `generation` is still current: others
    // wait for the row it locked, and a pass that settles wrote nothing to the resource's tables since.
    const settles =
      !pass.resumed &&
      !result.refused &&
      generation === pass.openedAt &&
      tally.inserted + tally.updated + tally.deleted + tally.rejected === 0;
    await sql`with ${closePass(resource, pass, settles ? generation : null)}
      select count(*) from durable`.execute(trx);
    return result;
  });
}

/** Rows written in one pass above which the resource's tables are analyzed before the next run. */
const ANALYZE_AFTER_ROWS = 1_000;

/**
 * Refreshes the planner's statistics after a pass that wrote many rows. Autovacuum gets there eventually,
 * but a re-sync right after a first load otherwise plans its per-page lookups on empty-table statistics
 * (measured: 18.3 s instead of 3.8 s at 50k records).
 */
async function analyzeIfChanged(
  client: pg.ClientBase,
  resource: Resource,
  tally: Tally,
  log: Logger,
): Promise<void> {
  if (tally.inserted + tally.updated + tally.deleted < ANALYZE_AFTER_ROWS) return;
  // Only the columns the sync's own queries join and filter on: statistics on raw (large jsonb) cost most
  // of the time of a full ANALYZE and serve no query of ours.
  const main = mainTable(resource);
  const tables = Object.entries(resource.tables)
    .map(([table, spec]) => {
      const owner = table === main ? '_record_id' : spec.parentColumn;
      const columns = new Set([...spec.key, ...(owner ? [owner] : []), '_deleted_at']);
      return `${pg.escapeIdentifier(table)} (${[...columns].map((c) => pg.escapeIdentifier(c)).join(', ')})`;
    })
    .join(', ');
  // A sample of 3,000 rows instead of 30,000 is plenty for keys and null fractions, and takes a seventh
  // of the time (goals, 35k rows: 56 -> 8 ms), which the run's last batch waits for.
  await client.query('set default_statistics_target = 10');
  await client
    .query(`analyze ${tables}`)
    .catch((error: unknown) => log.warn({ err: error }, 'could not analyze the tables'))
    .finally(() => client.query('reset default_statistics_target'));
}

/** A rate limit beyond the retries leaves the run partial: its committed batches and checkpoint stand. */
function statusFor(error: unknown): Exclude<RunStatus, 'running' | 'ok'> {
  if (error instanceof ForbiddenError) return 'forbidden';
  if (error instanceof RateLimitedError) return 'partial';
  return 'failed';
}

function describe(error: unknown, signal?: AbortSignal): { code: string; message: string } {
  if (error instanceof BwsyncError) return { code: error.code, message: error.message };
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
    return {
      code: 'ABORTED',
      message: `stopped before the end of the pass (${reason}); the next run resumes from the last checkpoint`,
    };
  }
  if (error instanceof Error && error.name === 'AbortError')
    return { code: 'ABORTED', message: error.message };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

/** Runs one resource. Never throws for API or data problems: the result carries the status. */
export async function runSync(resource: Resource, deps: SyncDeps, options: SyncOptions): Promise<RunResult> {
  const startedAt = Date.now();
  const log = deps.log.child({ resource: resource.name });
  const http = newCounters();
  const tally: Tally = { ...emptyCounts(), pages: 0, pagesUnchanged: 0, rejected: 0 };
  let pass: PassState | null = null;
  let deleteRefused = false;
  let status: RunResult['status'] = 'ok';
  let failure: unknown;

  for (let attempt = 0; ; attempt++) {
    const client = await deps.pool.connect();
    // A connection dropped while idle between queries emits 'error' on the client; without a listener
    // that would end the process. The next query fails too, and the retry below handles it.
    const onIdleError = (error: Error) => log.warn({ err: error }, 'database connection error');
    client.on('error', onIdleError);
    let broken = false;
    try {
      const db = dbOnClient(client);
      // Batch commits need not wait for their WAL flush: if Postgres crashed before it, a batch and its
      // checkpoint would be lost together and fetched again.
      await acquireLock(client, resource.name, deps.settings.lockTimeoutMs, options.signal);
      try {
        const current: PassState =
          pass === null ? await openRun(db, resource, deps, options) : await reopenPass(db, resource, pass);
        if (pass === null) {
          log.info(
            { runId: current.runId, mode: current.resumed ? 'resume' : 'full', from: current.startIndex },
            'sync started',
          );
        }
        pass = current;
        await fetchPass(client, db, resource, current, deps, options, tally, http, startedAt);
        const reconciled = await finishPass(client, db, resource, current, deps, options, tally, log);
        deleteRefused = reconciled.refused;
        await analyzeIfChanged(client, resource, tally, log);
        status = deleteRefused ? 'partial' : 'ok';
      } finally {
        await releaseLock(client, resource.name).catch(() => {});
      }
      break;
    } catch (error) {
      broken = isTransientDbError(error);
      if (broken && attempt < DB_RETRIES && !options.signal?.aborted) {
        log.warn(
          { err: error, attempt: attempt + 1 },
          'database connection lost; resuming from the last checkpoint',
        );
        await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
        continue;
      }
      failure = error;
      status = error instanceof LockTimeoutError ? 'failed' : statusFor(error);
      break;
    } finally {
      client.off('error', onIdleError);
      client.release(broken ? true : undefined);
    }
  }

  const durationMs = Date.now() - startedAt;
  const error = failure === undefined ? undefined : describe(failure, options.signal);
  if (pass !== null) {
    await recordFinish(deps.db, pass.runId, status, tally, http, deleteRefused, error).catch(
      (recordError: unknown) => log.error({ err: recordError }, 'could not record the end of the run'),
    );
  }
  const changed = resource.changedAtColumn ? tally.changed : null;
  if (error) log.warn({ runId: pass?.runId, status, code: error.code }, error.message);
  else log.info({ runId: pass?.runId, status, ...tally, durationMs }, 'sync finished');
  return {
    runId: pass?.runId ?? null,
    resource: resource.name,
    status,
    mode: pass?.resumed ? 'resume' : 'full',
    pages: tally.pages,
    pagesUnchanged: tally.pagesUnchanged,
    seen: tally.seen,
    inserted: tally.inserted,
    updated: tally.updated,
    unchanged: tally.unchanged,
    deleted: tally.deleted,
    rejected: tally.rejected,
    recordsChanged: changed,
    deleteRefused,
    http,
    durationMs,
    errorCode: error?.code ?? (deleteRefused ? 'DELETE_GUARD' : undefined),
    errorMessage: error?.message,
    error: failure,
  };
}

async function recordFinish(
  db: Db,
  runId: number,
  status: RunStatus,
  tally: Tally,
  http: RequestCounters,
  deleteRefused: boolean,
  error: { code: string; message: string } | undefined,
): Promise<void> {
  await db
    .updateTable('sync_runs')
    .set({
      ...runCounters(tally, http),
      status,
      finished_at: sql<Date>`now()`,
      records_changed: tally.changed,
      delete_refused: deleteRefused,
      error_code: error?.code ?? (deleteRefused ? 'DELETE_GUARD' : null),
      error_message:
        error?.message ?? (deleteRefused ? 'delete detection refused a mass deletion; see the log' : null),
    })
    .where('id', '=', String(runId))
    .execute();
}
