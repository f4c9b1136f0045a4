import { z } from 'zod';
import { FIRST_NAMES, LAST_NAMES, TITLES } from '../../simulator/words.ts';
import { apiId, employeeId, optionalBoolean, optionalText, refId, text, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  name: text,
  first_name: optionalText,
  last_name: optionalText,
  email: optionalText,
  employee_id: employeeId,
  title: optionalText,
  department: refId,
  manager: refId,
  is_active: optionalBoolean,
  deactivated: timestamp,
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  created: timestamp,
  updated: timestamp,
});

export const users = defineResource({
  name: 'users',
  description: 'People, active and deactivated, with their department, manager and custom fields',
  path: '/users/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    users: {
      key: ['id'],
      columns: [
        'id',
        'name',
        'first_name',
        'last_name',
        'email',
        'employee_id',
        'title',
        'department_id',
        'manager_id',
        'is_active',
        'deactivated_at',
        'custom_fields',
        'created_at',
        'updated_at',
      ],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (u) => ({
    users: [
      {
        id: u.id,
        name: u.name,
        first_name: u.first_name,
        last_name: u.last_name,
        email: u.email,
        employee_id: u.employee_id,
        title: u.title,
        department_id: u.department,
        manager_id: u.manager,
        is_active: u.is_active ?? u.deactivated === null,
        deactivated_at: u.deactivated,
        custom_fields: u.custom_fields ?? {},
        created_at: u.created,
        updated_at: u.updated,
      },
    ],
  }),
  fake: {
    perScale: 500,
    firstId: 1000,
    make(index, id, f) {
      const first = f.pick('first', FIRST_NAMES);
      const last = f.pick('last', LAST_NAMES);
      const deactivated = f.random('deactivated') < 0.05;
      return {
        id,
        name: `${first} ${last}`,
        first_name: first,
        last_name: last,
        email: `${first}.${last}.${id}@northwind.example`.toLowerCase().replace(/[^a-z0-9.@]/g, ''),
        employee_id: String(index + 1).padStart(6, '0'),
        title: f.pick(`title${f.version}`, TITLES),
        department: { id: 100 + f.int('dept', 0, Math.max(1, Math.round(f.userCount / 20)) - 1) },
        manager: index < 5 ? null : { id: f.userId(Math.floor(index / 6)) },
        is_active: !deactivated,
        deactivated: deactivated ? f.nowSeconds - f.int('deact', 1, 300) * 86_400 : null,
        custom_fields: {
          location: f.pick('loc', ['Lagos', 'Lisbon', 'Austin', 'Osaka']),
          cost_center: `CC-${f.int('cc', 100, 140)}`,
        },
        created: f.nowSeconds - f.int('created', 400, 2000) * 86_400,
        updated: f.nowSeconds - f.int(`upd${f.version}`, 0, 300) * 86_400 + f.version,
      };
    },
  },
});
