import { z } from 'zod';
import { DEPARTMENTS } from '../../simulator/words.ts';
import { apiId, optionalText, refId, text } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  name: text,
  parent: refId,
  group_type: optionalText,
});

export const departments = defineResource({
  name: 'departments',
  description: 'The department tree (admin keys only)',
  path: '/departments/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'admin',
  schema,
  tables: { departments: { key: ['id'], columns: ['id', 'name', 'parent_id', 'group_type'] } },
  toRows: (d) => ({
    departments: [{ id: d.id, name: d.name, parent_id: d.parent, group_type: d.group_type }],
  }),
  fake: {
    perScale: 25,
    firstId: 100,
    make(index, id, f) {
      const base = DEPARTMENTS[index % DEPARTMENTS.length] ?? 'Team';
      return {
        id,
        name: index < DEPARTMENTS.length ? base : `${base} ${Math.floor(index / DEPARTMENTS.length) + 1}`,
        parent: index < 3 ? null : 100 + f.int('parent', 0, 2),
        group_type: index < 3 ? 'division' : 'department',
      };
    },
  },
});
