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
  // that resumed it point to it), or when its record is among those the pass saw without writing them
  // (tracked per API record: a key result is seen when its objective is), listed by id or, for pages it
  // held, by the position of their print. Both sets are materialized and joined once, not probed per row.
  const seen = `seen as materialized (
      select unnest(ids) as id from sync_seen_batches where pass_id = $1
      union
      select unnest(p.ids) from sync_seen_batches b
      join sync_pages p on p.resource = $2 and p.position = any(b.positions)
      where b.pass_id = $1),
    pass_runs as materialized (select id from sync_runs where id = $1 or resumed_from_run_id = $1),
    live as (
      select t.id, r.id is null and s.id is null as missing
      from ${main} t
      left join pass_runs r on r.id = t._run_id
      left join seen s on s.id = coalesce(t._record_id, t.id)
      where t._deleted_at is null
    )`;
  const census = await client.query<{ live: number; missing: number }>(
    `with ${seen}
     select count(*)::int as live, count(*) filter (where missing)::int as missing from live`,
    [options.passId, resource.name],
  );
  const { live, missing } = census.rows[0] ?? { live: 0, missing: 0 };
  const tooMany = missing > options.minRows && missing > options.maxShare * live;
  if (missing === 0 || (tooMany && !options.allowMassDelete)) {
    return { live, missing, deleted: 0, refused: missing > 0 };
  }
  const children = Object.entries(resource.tables).filter(([, spec]) => spec.parentColumn);
  const cascades = children.map(
    ([table, spec], i) =>
      `, child_${i} as (update ${q(table)} c set _deleted_at = now(), _deleted_by_run_id = $3
         where c._deleted_at is null and c.${q(spec.parentColumn as string)} in (select id from gone) returning 1)`,
  );
  const childCounts = children.map((_, i) => `+ (select count(*) from child_${i})`).join(' ');
  const result = await client.query<{ deleted: number }>(
    `with ${seen}, gone as (
       update ${main} t set _deleted_at = now(), _deleted_by_run_id = $3
       where t._deleted_at is null and t.id in (select id from live where missing)
       returning t.id
     )${cascades.join('')}
     select ((select count(*) from gone) ${childCounts})::int as deleted`,
    [options.passId, resource.name, options.runId],
  );
  return { live, missing, deleted: result.rows[0]?.deleted ?? 0, refused: false };
}
