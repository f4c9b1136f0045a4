import { z } from 'zod';
import { GOAL_OBJECTS, GOAL_VERBS } from '../../simulator/words.ts';
import {
  apiId,
  calendarDate,
  fraction,
  optionalBoolean,
  optionalNumber,
  optionalText,
  refId,
  text,
  timestamp,
} from '../fields.ts';
import { defineResource, type FakeContext, type Row } from './define-resource.ts';

const goalFields = {
  id: apiId,
  name: text,
  description: optionalText,
  is_key_result: z.boolean().default(false),
  parent: refId,
  owner: z.object({ user_id: apiId, user: z.object({ name: optionalText }).nullish() }).nullish(),
  start: calendarDate,
  end: calendarDate,
  measurement: z.object({ progress: fraction }).nullish(),
  updated: timestamp,
  last_checkedin: timestamp,
  is_private: optionalBoolean,
  categories: z.array(z.string()).nullish(),
  weight: optionalNumber,
};

/** A key result as nested in its objective's `children`. */
const keyResultSchema = z.object(goalFields);
type Goal = z.output<typeof keyResultSchema>;

const schema = z.object({ ...goalFields, children: z.array(keyResultSchema).nullish() });

function goalRowFromApi(goal: Goal, parentId: number | null): Row {
  return {
    id: goal.id,
    name: goal.name,
    description: goal.description,
    is_key_result: goal.is_key_result,
    parent_id: goal.parent ?? parentId,
    owner_id: goal.owner?.user_id ?? null,
    owner_name: goal.owner?.user?.name ?? null,
    start_date: goal.start,
    end_date: goal.end,
    progress: goal.measurement?.progress ?? null,
    is_private: goal.is_private ?? false,
    categories: goal.categories ?? [],
    weight: goal.weight,
    updated_at: goal.updated,
    last_checked_in_at: goal.last_checkedin,
  };
}

const QUARTERS = [
  ['2026-01-01', '2026-03-31'],
  ['2026-04-01', '2026-06-30'],
  ['2026-07-01', '2026-09-30'],
  ['2026-10-01', '2026-12-31'],
] as const;

function fakeGoal(id: number, parent: number | null, owner: number, f: FakeContext, salt: string) {
  const [start, end] = f.pick(`${salt}q`, QUARTERS);
  return {
    id,
    name: `${f.pick(`${salt}v`, GOAL_VERBS)} ${f.pick(`${salt}o`, GOAL_OBJECTS)}${f.version ? ` (rev ${f.version})` : ''}`,
    description: f.random(`${salt}d`) < 0.5 ? null : 'Agreed at the quarterly planning offsite.',
    is_key_result: parent !== null,
    parent: parent === null ? null : { id: parent },
    owner: { user_id: owner, user: { name: `User ${owner}` } },
    start,
    end,
    measurement: { progress: Math.round(f.random(`${salt}p${f.version}`) * 100) / 100 },
    updated: f.nowSeconds - f.int(`${salt}u`, 1, 90) * 86_400 + f.version,
    last_checkedin: f.random(`${salt}c`) < 0.2 ? null : f.nowSeconds - f.int(`${salt}ci`, 1, 60) * 86_400,
    categories: [f.pick(`${salt}cat`, ['company', 'team', 'personal'])],
    weight: 1,
  };
}

/** Key results per objective: 1 to 4, ids following their objective's. */
export const GOAL_ID_STRIDE = 8;

export const goals = defineResource({
  name: 'goals',
  description: 'Objectives and their key results (milestones), which the API nests in `children`',
  path: '/goals/filter/',
  pathSource: 'documented',
  pagination: 'more-next-url',
  fixedPageSize: 30,
  access: 'everyone',
  schema,
  tables: {
    goals: {
      key: ['id'],
      columns: [
        'id',
        'name',
        'description',
        'is_key_result',
        'parent_id',
        'owner_id',
        'owner_name',
        'start_date',
        'end_date',
        'progress',
        'is_private',
        'categories',
        'weight',
        'updated_at',
        'last_checked_in_at',
      ],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (goal, raw) => {
    const objective = goalRowFromApi(goal, null);
    const rawChildren = Array.isArray(raw.children) ? raw.children : [];
    const keyResults = (goal.children ?? []).map((child, k) => ({
      ...goalRowFromApi(child, goal.id),
      is_key_result: true,
      is_private: child.is_private ?? objective.is_private,
      raw: rawChildren[k],
    }));
    return { goals: [objective, ...keyResults] };
  },
  fake: {
    perScale: 1000,
    firstId: 5_000_000,
    idStride: GOAL_ID_STRIDE,
    make(index, id, f) {
      const owner = f.userId(index);
      const isPrivate = f.random('private') < 0.1;
      const children = Array.from({ length: f.int('krs', 1, 4) }, (_, k) =>
        fakeGoal(id + k + 1, id, f.userId(index + k), f, `kr${k}`),
      );
      return { ...fakeGoal(id, null, owner, f, 'obj'), is_private: isPrivate, children };
    },
    visibleToUser: (goal, userId) =>
      goal.is_private !== true || (goal.owner as { user_id: number } | undefined)?.user_id === userId,
    visibleToAdmin: (goal) => goal.is_private !== true,
  },
});
