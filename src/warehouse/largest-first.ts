/**
 * The order to start resources in: largest first, by the pages of each one's last complete pass, so that
 * several syncing at once finish together instead of a large one starting last and running alone.
 * Resources never synced keep their place, ahead of all that were (their size is unknown).
 */
import { sql } from 'kysely';
import type { Resource } from '../betterworks/resources/define-resource.ts';
import type { Db } from './db.ts';

/**
 * `resources`, largest first. Ordering is only an optimization: if the sizes cannot be read, the order is
 * left as it is.
 */
export async function largestFirst(db: Db, resources: readonly Resource[]): Promise<Resource[]> {
  let pages: Map<string, number>;
  try {
    const result = await sql<{ resource: string; pages: number }>`select s.resource, r.pages
      from sync_state s join sync_runs r on r.id = s.last_complete_run_id`.execute(db);
    pages = new Map(result.rows.map((row) => [row.resource, row.pages]));
  } catch {
    return [...resources];
  }
  return bySize(resources, pages);
}

/** `resources` by their `pages`, largest first; those of unknown size first, all in a stable order. */
export function bySize(resources: readonly Resource[], pages: ReadonlyMap<string, number>): Resource[] {
  const size = (resource: Resource) => pages.get(resource.name) ?? Number.POSITIVE_INFINITY;
  // Array.prototype.sort is stable: equal sizes (and unknown ones) keep their relative order.
  return [...resources].sort((a, b) => (size(a) === size(b) ? 0 : size(b) - size(a)));
}
