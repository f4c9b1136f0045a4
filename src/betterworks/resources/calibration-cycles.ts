import { z } from 'zod';
import { apiId, calendarDate, optionalText, text, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  name: text,
  status: optionalText,
  start: calendarDate,
  end: calendarDate,
  created: timestamp,
});

export const calibrationCycles = defineResource({
  name: 'calibration_cycles',
  description: 'Calibration cycles (admin keys only)',
  path: '/calibration/cycles/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'admin',
  schema,
  tables: {
    calibration_cycles: {
      key: ['id'],
      columns: ['id', 'name', 'status', 'start_date', 'end_date', 'created_at'],
    },
  },
  toRows: (c) => ({
    calibration_cycles: [
      {
        id: c.id,
        name: c.name,
        status: c.status,
        start_date: c.start,
        end_date: c.end,
        created_at: c.created,
      },
    ],
  }),
  fake: {
    perScale: 4,
    firstId: 500,
    make(index, id, f) {
      const year = 2026 - Math.floor(index / 2);
      const half = index % 2 === 0 ? 'H2' : 'H1';
      return {
        id,
        name: `${year} ${half} calibration`,
        status: index === 0 ? 'in_progress' : 'closed',
        start: half === 'H1' ? `${year}-06-01` : `${year}-12-01`,
        end: half === 'H1' ? `${year}-06-30` : `${year}-12-31`,
        created: f.nowSeconds - (index + 1) * 180 * 86_400,
      };
    },
  },
});
