/**
 * The simulator's data: every record is a pure function of (seed, resource, index, version), generated on
 * demand, so memory stays small at any scale and the same seed gives the same bytes. Mutations (inserts,
 * updates, deletes) are kept as a small overlay.
 */
import { createHash } from 'node:crypto';
import { normalizeRecord } from '../betterworks/normalize.ts';
import { type FakeContext, mainTable, type Resource } from '../betterworks/resources/define-resource.ts';
import { findResource, resources } from '../betterworks/resources/registry.ts';

/** 32-bit FNV-1a with a final avalanche; deterministic across platforms and restarts. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function unitRandom(...parts: (string | number)[]): number {
  return hash32(parts.join('|')) / 0x1_0000_0000;
}

/** The simulated "now": 2026-12-01T00:00:00Z. */
export const SIM_NOW_SECONDS = Date.UTC(2026, 11, 1) / 1000;

export type MalformationKind =
  | 'wrong_type'
  | 'missing_id'
  | 'nul'
  | 'huge_string'
  | 'deep'
  | 'unknown_field'
  | 'duplicate';
export const MALFORMATION_KINDS: readonly MalformationKind[] = [
  'wrong_type',
  'missing_id',
  'nul',
  'huge_string',
  'deep',
  'unknown_field',
  'duplicate',
];
/** Kinds a correct client must reject; the others load (cleaned, kept in raw, or de-duplicated). */
export const REJECTED_KINDS: ReadonlySet<MalformationKind> = new Set(['wrong_type', 'missing_id']);

const TEXT_FIELDS = ['name', 'text', 'message', 'comment', 'note'];
const DEEP_LEVELS = 60;

interface ResourceState {
  inserted: number;
  deleted: Set<number>;
  sortedDeleted: number[] | null;
  versions: Map<number, number>;
}

export type Role = 'super_admin' | 'hr_admin' | 'admin' | 'user';

export interface Viewer {
  role: Role;
  userId: number;
}

export interface DatasetOptions {
  seed: number;
  scale: number;
  malformedRate: number;
}

/** Per resource: a count, or a share (< 1) of the live records. */
export type MutationAmounts = number | Record<string, number>;

export interface MutateRequest {
  seed?: number;
  inserts?: MutationAmounts;
  updates?: MutationAmounts;
  deletes?: MutationAmounts;
}

export interface MutationResult {
  [resource: string]: { inserted: number[]; updated: number[]; deleted: number[] };
}

export interface ResourceTruth {
  count: number;
  ids: number[];
  hash: string;
  rejects: number;
  rows: Record<string, number>;
}

export class Dataset {
  readonly options: DatasetOptions;
  private readonly state = new Map<string, ResourceState>();
  private mutations = 0;

  constructor(options: DatasetOptions) {
    this.options = options;
    for (const resource of resources) {
      this.state.set(resource.name, {
        inserted: 0,
        deleted: new Set(),
        sortedDeleted: null,
        versions: new Map(),
      });
    }
  }

  baseCount(resource: Resource): number {
    return Math.max(1, Math.round(resource.fake.perScale * this.options.scale));
  }

  private stateOf(resource: Resource): ResourceState {
    const state = this.state.get(resource.name);
    if (!state) throw new Error(`unknown resource ${resource.name}`);
    return state;
  }

  /** Records that exist now (before visibility). */
  liveCount(resource: Resource): number {
    const state = this.stateOf(resource);
    return this.baseCount(resource) + state.inserted - state.deleted.size;
  }

  idAt(resource: Resource, index: number): number {
    return resource.fake.firstId + index * (resource.fake.idStride ?? 1);
  }

  /** The index of the k-th live record. */
  liveIndex(resource: Resource, k: number): number {
    const state = this.stateOf(resource);
    state.sortedDeleted ??= [...state.deleted].sort((a, b) => a - b);
    let index = k;
    for (const deleted of state.sortedDeleted) {
      if (deleted <= index) index++;
      else break;
    }
    return index;
  }

  private context(resource: Resource, index: number): FakeContext {
    const { seed } = this.options;
    const users = findResource('users') as Resource;
    const version = this.stateOf(resource).versions.get(index) ?? 0;
    const random = (salt: string) => unitRandom(seed, resource.name, index, salt);
    const idOf = (name: string, i: number) => {
      const other = findResource(name);
      if (!other) throw new Error(`unknown resource ${name}`);
      return this.idAt(other, Math.abs(i) % this.baseCount(other));
    };
    return {
      random,
      int: (salt, min, max) => min + Math.floor(random(salt) * (max - min + 1)),
      pick: <T>(salt: string, list: readonly T[]) => list[Math.floor(random(salt) * list.length)] as T,
      userId: (i) => idOf('users', i),
      idOf,
      userCount: this.baseCount(users),
      nowSeconds: SIM_NOW_SECONDS,
      version,
    };
  }

  malformation(resource: Resource, index: number): MalformationKind | null {
    const { seed, malformedRate } = this.options;
    if (malformedRate <= 0 || unitRandom(seed, 'malformed', resource.name, index) >= malformedRate)
      return null;
    const pick = Math.floor(
      unitRandom(seed, 'malformed-kind', resource.name, index) * MALFORMATION_KINDS.length,
    );
    return MALFORMATION_KINDS[pick] ?? null;
  }

  /** The record at `index` exactly as the API serves it (malformed when its dice say so). */
  record(resource: Resource, index: number): Record<string, unknown> {
    const record = resource.fake.make(index, this.idAt(resource, index), this.context(resource, index));
    const kind = this.malformation(resource, index);
    return kind ? malform(record, kind, index) : record;
  }

  visibleTo(resource: Resource, record: Record<string, unknown>, viewer: Viewer): boolean {
    if (viewer.role === 'super_admin') return true;
    if (viewer.role === 'user') return resource.fake.visibleToUser?.(record, viewer.userId) ?? true;
    return resource.fake.visibleToAdmin?.(record) ?? true;
  }

  /**
   * The records from position `offset` (in the viewer's visible list), at most `limit`, and whether more
   * follow. A record marked 'duplicate' is served again at the top of the next page.
   */
  slice(resource: Resource, viewer: Viewer, offset: number, limit: number) {
    const live = this.liveCount(resource);
    const items: Record<string, unknown>[] = [];
    let visibleSeen = 0;
    let k = 0;
    let previousIndex: number | null = null;
    if (viewer.role === 'super_admin' || !hasVisibilityRules(resource, viewer)) {
      k = offset;
      visibleSeen = offset;
      if (offset > 0) previousIndex = this.liveIndex(resource, offset - 1);
    }
    while (k < live && items.length < limit) {
      const index = this.liveIndex(resource, k);
      const record = this.record(resource, index);
      k++;
      if (!this.visibleTo(resource, record, viewer)) continue;
      if (visibleSeen >= offset) {
        if (
          items.length === 0 &&
          previousIndex !== null &&
          this.malformation(resource, previousIndex) === 'duplicate'
        ) {
          items.push(this.record(resource, previousIndex));
        }
        items.push(record);
      }
      previousIndex = index;
      visibleSeen++;
    }
    let more = false;
    for (let j = k; j < live; j++) {
      if (this.visibleTo(resource, this.record(resource, this.liveIndex(resource, j)), viewer)) {
        more = true;
        break;
      }
    }
    return { items, more };
  }

  /** Counts the records a viewer sees (for DRF's `count`). */
  visibleCount(resource: Resource, viewer: Viewer): number {
    if (viewer.role === 'super_admin' || !hasVisibilityRules(resource, viewer))
      return this.liveCount(resource);
    let count = 0;
    const live = this.liveCount(resource);
    for (let k = 0; k < live; k++) {
      if (this.visibleTo(resource, this.record(resource, this.liveIndex(resource, k)), viewer)) count++;
    }
    return count;
  }

  mutate(request: MutateRequest): MutationResult {
    const seed = request.seed ?? ++this.mutations;
    const result: MutationResult = {};
    for (const resource of resources) {
      const entry = { inserted: [] as number[], updated: [] as number[], deleted: [] as number[] };
      const state = this.stateOf(resource);
      const chosen = new Set<number>();
      const choose = (kind: string, amount: number) => {
        const live = this.liveCount(resource);
        const n = Math.min(live - chosen.size, amount < 1 ? Math.round(amount * live) : Math.floor(amount));
        const picked: number[] = [];
        for (let attempt = 0; picked.length < n && attempt < n * 50 + 100; attempt++) {
          const k = Math.floor(unitRandom(seed, kind, resource.name, attempt) * live);
          const index = this.liveIndex(resource, k);
          if (chosen.has(index)) continue;
          chosen.add(index);
          picked.push(index);
        }
        return picked;
      };
      const updates = amountFor(request.updates, resource.name);
      for (const index of choose('update', updates)) {
        state.versions.set(index, (state.versions.get(index) ?? 0) + 1);
        entry.updated.push(this.idAt(resource, index));
      }
      const deletes = amountFor(request.deletes, resource.name);
      const toDelete = choose('delete', deletes);
      for (const index of toDelete) {
        state.deleted.add(index);
        entry.deleted.push(this.idAt(resource, index));
      }
      state.sortedDeleted = null;
      const inserts = amountFor(request.inserts, resource.name);
      const insertCount = inserts < 1 ? Math.round(inserts * this.liveCount(resource)) : Math.floor(inserts);
      for (let i = 0; i < insertCount; i++) {
        entry.inserted.push(this.idAt(resource, this.baseCount(resource) + state.inserted));
        state.inserted++;
      }
      if (entry.inserted.length + entry.updated.length + entry.deleted.length > 0)
        result[resource.name] = entry;
    }
    return result;
  }

  /** What a correct sync must end with, per resource, for a viewer (a super admin by default). */
  truth(resource: Resource, viewer: Viewer = { role: 'super_admin', userId: 0 }): ResourceTruth {
    const ids = new Set<number>();
    const rows: Record<string, number> = Object.fromEntries(Object.keys(resource.tables).map((t) => [t, 0]));
    const digest = createHash('sha256');
    let rejects = 0;
    const live = this.liveCount(resource);
    const main = mainTable(resource);
    for (let k = 0; k < live; k++) {
      const record = this.record(resource, this.liveIndex(resource, k));
      if (!this.visibleTo(resource, record, viewer)) continue;
      const normalized = normalizeRecord(resource, record);
      if (!normalized.ok) {
        rejects++;
        continue;
      }
      digest.update(JSON.stringify(record));
      for (const [table, tableRows] of Object.entries(normalized.rows)) {
        if (table === main) for (const row of tableRows) ids.add(row.id as number);
        else rows[table] = (rows[table] ?? 0) + tableRows.length;
      }
    }
    rows[main] = ids.size;
    const sorted = [...ids].sort((a, b) => a - b);
    return { count: sorted.length, ids: sorted, hash: digest.digest('hex'), rejects, rows };
  }
}

function hasVisibilityRules(resource: Resource, viewer: Viewer): boolean {
  return viewer.role === 'user'
    ? Boolean(resource.fake.visibleToUser)
    : Boolean(resource.fake.visibleToAdmin);
}

function amountFor(amounts: MutationAmounts | undefined, name: string): number {
  if (amounts === undefined) return 0;
  if (typeof amounts === 'number') return amounts;
  return amounts[name] ?? 0;
}

function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < levels; i++) value = { level: levels - i, child: value };
  return value;
}

function malform(
  record: Record<string, unknown>,
  kind: MalformationKind,
  index: number,
): Record<string, unknown> {
  const out = { ...record };
  const textField = TEXT_FIELDS.find((field) => typeof out[field] === 'string');
  switch (kind) {
    case 'wrong_type':
      out.id = `id-${String(record.id)}`;
      break;
    case 'missing_id':
      delete out.id;
      break;
    case 'nul':
      if (textField) out[textField] = `${String(out[textField])}\u0000 (with NUL)`;
      else out.extra_note = 'NUL\u0000here';
      break;
    case 'huge_string':
      out.huge_note = `${'x'.repeat(100 * 1024)}${index}`;
      break;
    case 'deep':
      out.deep_settings = nested(DEEP_LEVELS);
      break;
    case 'unknown_field':
      out.x_added_later = { emoji: '🎯🚀', rtl: 'مرحبا بالعالم', sql: "'); DROP TABLE users; --" };
      break;
    case 'duplicate':
      break;
  }
  return out;
}
