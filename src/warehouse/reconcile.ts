/**
 * Delete detection after a complete pass: rows of the resource's main table that the pass did not see are
 * soft-deleted (`_deleted_at`, `_deleted_by_run_id`), and so are their children. Never a hard delete, and
 * never after a partial pass (the caller only reconciles once the last page has been committed).
 *
 * The guard refuses a deletion larger than `maxShare` of the live rows (beyond `minRows`), unless the
 * operator confirmed it: a source that suddenly returns half its records must not empty the warehouse.
 */
import pg from 'pg';
import { mainTable, type Resource } from '../betterworks/resources/define-resource.ts';

export interface ReconcileOptions {
  runId: number;
  passId: number;
  /** Largest share of live rows one run may delete (0..1). */
  maxShare: number;
  /** Deletions of at most this many rows are never refused, whatever the share. */
  minRows: number;
  /** The operator confirmed a larger deletion (`--allow-deletes`). */
  allowMassDelete: boolean;
}

export interface ReconcileResult {
  live: number;
  missing: number;
  deleted: number;
  refused: boolean;
}

const q = pg.escapeIdentifier;

export async function reconcileDeletes(
  client: pg.ClientBase,
  resource: Resource,
  options: ReconcileOptions,
): Promise<ReconcileResult> {
  const main = q(mainTable(resource));
  // A row was seen when a run of this pass wrote it (the pass's first run has the pass's id, the runs
  // that resumed it point to it), or when its record is in sync_seen: records the pass found unchanged,
  // tracked per API record (a key result is seen when its objective is).
  const unseen = `coalesce(t._run_id, 0) not in (select r.id from sync_runs r where r.id = $1 or r.resumed_from_run_id = $1)
    and not exists (select 1 from sync_seen s where s.pass_id = $1 and s.id = coalesce(t._record_id, t.id))`;
  const census = await client.query<{ live: number; missing: number }>(
    `select count(*)::int as live, count(*) filter (where ${unseen})::int as missing
     from ${main} t where t._deleted_at is null`,
    [options.passId],
  );
  const { live, missing } = census.rows[0] ?? { live: 0, missing: 0 };
  const tooMany = missing > options.minRows && missing > options.maxShare * live;
  if (missing === 0 || (tooMany && !options.allowMassDelete)) {
    return { live, missing, deleted: 0, refused: missing > 0 };
  }
  const children = Object.entries(resource.tables).filter(([, spec]) => spec.parentColumn);
  const cascades = children.map(
    ([table, spec], i) =>
      `, child_${i} as (update ${q(table)} c set _deleted_at = now(), _deleted_by_run_id = $2
         where c._deleted_at is null and c.${q(spec.parentColumn as string)} in (select id from gone) returning 1)`,
  );
  const childCounts = children.map((_, i) => `+ (select count(*) from child_${i})`).join(' ');
  const result = await client.query<{ deleted: number }>(
    `with gone as (
       update ${main} t set _deleted_at = now(), _deleted_by_run_id = $2
       where t._deleted_at is null and ${unseen}
       returning t.id
     )${cascades.join('')}
     select ((select count(*) from gone) ${childCounts})::int as deleted`,
    [options.passId, options.runId],
  );
  return { live, missing, deleted: result.rows[0]?.deleted ?? 0, refused: false };
}
