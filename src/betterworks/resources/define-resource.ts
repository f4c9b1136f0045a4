/**
 * The shape of one catalog entry. A resource file declares everything about one Betterworks resource:
 * where it lives, how it pages, what a record looks like, which warehouse rows it becomes, and how the
 * simulator fakes it. Everything else (client, probe, simulator routes, loader, CLI, tests) reads these.
 */
import type { z } from 'zod';

/** `more-next-url`: `{results, more, nextURL}` (goals/filter). `drf`: `{count, next, previous, results}`. */
export type PaginationStyle = 'more-next-url' | 'drf';

/**
 * A warehouse row: column name → value (null, string, number, boolean, Date, or JSON-able object).
 * A main-table row may carry `raw` (the part of the payload it came from, e.g. a nested key result);
 * without it the loader stores the whole record for the first main row and the row itself otherwise.
 */
export type Row = Record<string, unknown>;

export interface TableSpec {
  /** Primary-key columns. */
  key: readonly string[];
  /** Every typed column this resource writes (bookkeeping columns are added by the loader). */
  columns: readonly string[];
  /**
   * For a child table: the column that holds the parent record's id. Children of a parent that are
   * missing from the parent's latest payload are soft-deleted with it.
   */
  parentColumn?: string;
}

/** What the simulator needs to fake a resource deterministically. */
export interface FakeContext {
  /** A deterministic number in [0, 1) for this record and a salt. */
  random(salt: string): number;
  /** A deterministic integer in [min, max]. */
  int(salt: string, min: number, max: number): number;
  /** A deterministic element of a list. */
  pick<T>(salt: string, list: readonly T[]): T;
  /** The id of a user (by index modulo the user count). */
  userId(index: number): number;
  /** The id of another resource's record (by index modulo its count). */
  idOf(resource: string, index: number): number;
  userCount: number;
  /** Seconds since the epoch of the simulated "now". */
  nowSeconds: number;
  /** Bumped each time the record is updated through /__sim/mutate. */
  version: number;
}

export interface FakeSpec {
  /** Records at --scale 1; the count grows linearly with scale. */
  perScale: number;
  /** The first id; record i gets id `firstId + i * idStride`. */
  firstId: number;
  idStride?: number;
  /** The API record for index `index` and id `id`. */
  make(index: number, id: number, fake: FakeContext): Record<string, unknown>;
  /** Whether a key with role `user` (whose own user id is given) sees this record (default: yes). */
  visibleToUser?(record: Record<string, unknown>, userId: number): boolean;
  /** Whether an admin (not super admin) sees this record (default: yes). */
  visibleToAdmin?(record: Record<string, unknown>): boolean;
}

export interface ResourceDefinition<Schema extends z.ZodType = z.ZodType> {
  /** Stable snake_case name used by the CLI, tables, schedules and config. */
  name: string;
  description: string;
  /** Path under the base URL, starting and ending with '/'. Overridable by BETTERWORKS_PATH_<NAME>. */
  path: string;
  /** 'documented' when public Betterworks material shows this path; 'assumed' otherwise. */
  pathSource: 'documented' | 'assumed';
  pagination: PaginationStyle;
  /** Fixed page size of the endpoint, when it takes no page-size parameter. */
  fixedPageSize?: number;
  /** Who may read it: 'admin' resources answer 403 to ordinary users. */
  access: 'everyone' | 'admin';
  /** Validates and normalizes one API record; unknown fields are tolerated (kept in `raw`). */
  schema: Schema;
  /** The main table first; child tables after it. */
  tables: Record<string, TableSpec>;
  /** Turns a normalized record into rows, per table. The main table's rows come first. */
  toRows(record: z.output<Schema>, raw: Record<string, unknown>): Record<string, Row[]>;
  /** Field that carries a change time, when the data has one (for "records changed" reporting). */
  changedAtColumn?: string;
  fake: FakeSpec;
}

export function defineResource<Schema extends z.ZodType>(
  definition: ResourceDefinition<Schema>,
): ResourceDefinition<Schema> {
  return definition;
}

/** The catalog entry with its schema erased, as the engine handles it. */
export type Resource = ResourceDefinition<z.ZodType>;

/** Name of the main table of a resource. */
export function mainTable(resource: Resource): string {
  const [first] = Object.keys(resource.tables);
  if (!first) throw new Error(`resource ${resource.name} declares no table`);
  return first;
}

/** The resource's path: the operator's override when there is one, else the catalog's. */
export function resourcePath(resource: Resource, overrides: Readonly<Record<string, string>>): string {
  return overrides[resource.name] ?? resource.path;
}

/** Top-level field names the resource's schema declares. */
export function declaredFields(resource: Resource): string[] {
  const shape = (resource.schema as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}
