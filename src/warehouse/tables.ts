/**
 * Kysely types of the bookkeeping tables. Data tables are written by the bulk loader (COPY) and read by
 * analysts; tests and views reach them through `sql` or `Kysely<any>`.
 */
import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** pg returns bigint columns as strings; we parse counts ourselves. */
type BigCount = ColumnType<string, number | bigint | undefined, number | bigint>;

export type RunStatus = 'running' | 'ok' | 'partial' | 'failed' | 'forbidden';

export interface SyncRunsTable {
  id: Generated<string>;
  resource: string;
  trigger: string;
  mode: string;
  status: ColumnType<RunStatus, RunStatus | undefined, RunStatus>;
  started_at: Generated<Date>;
  finished_at: Timestamp | null;
  resumed_from_run_id: string | null;
  pages: ColumnType<number, number | undefined, number>;
  pages_unchanged: ColumnType<number, number | undefined, number>;
  rows_seen: BigCount;
  rows_inserted: BigCount;
  rows_updated: BigCount;
  rows_unchanged: BigCount;
  rows_deleted: BigCount;
  rows_rejected: BigCount;
  records_changed: BigCount | null;
  delete_refused: ColumnType<boolean, boolean | undefined, boolean>;
  http_requests: ColumnType<number, number | undefined, number>;
  http_retries: ColumnType<number, number | undefined, number>;
  http_429s: ColumnType<number, number | undefined, number>;
  error_code: string | null;
  error_message: string | null;
  job_id: string | null;
}

export interface SyncStateTable {
  resource: string;
  pass_id: string | null;
  pass_started_at: Timestamp | null;
  checkpoint: ColumnType<Checkpoint | null, string | null, string | null>;
  last_complete_run_id: string | null;
  last_complete_at: Timestamp | null;
  /** See migration 20261205T0200: the write generation a pass that confirmed everything left behind. */
  settled_generation: string | null;
  updated_at: Generated<Date>;
}

/** Where a pass stands: the next page to fetch and how many pages are behind it. */
export interface Checkpoint {
  /** null once the last page of the pass is committed. */
  nextUrl: string | null;
  pages: number;
  /** The pass began on an empty table: records are validated on arrival and copied in without lookups. */
  initialLoad?: boolean;
}

export interface SyncRejectsTable {
  id: Generated<string>;
  resource: string;
  run_id: string;
  record_id: string | number | null;
  reason: string;
  issues: ColumnType<unknown, string, string>;
  raw: ColumnType<unknown, string | null, string | null>;
  rejected_at: Generated<Date>;
}

export interface SyncSeenBatchesTable {
  id: Generated<string>;
  pass_id: string;
  ids: string[];
  /** Positions of pages the batch held: their records are the ids their prints list (sync_pages). */
  positions: ColumnType<number[], number[] | undefined, number[]>;
}

/** Statements that changed each resource's tables, counted by triggers (migration 20261205T0200). */
export interface SyncTableWritesTable {
  resource: string;
  generation: string;
}

export interface Database {
  sync_runs: SyncRunsTable;
  sync_state: SyncStateTable;
  sync_rejects: SyncRejectsTable;
  sync_seen_batches: SyncSeenBatchesTable;
  sync_table_writes: SyncTableWritesTable;
}
