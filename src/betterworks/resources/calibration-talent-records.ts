import { z } from 'zod';
import { apiId, optionalNumber, optionalText, refId, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  cycle: refId,
  user: refId,
  performance: optionalNumber,
  potential: optionalNumber,
  box: optionalText,
  calibrated_by: refId,
  notes: optionalText,
  updated: timestamp,
});

const BOXES = [
  'Rough diamond',
  'Future star',
  'Consistent star',
  'Core player',
  'High professional',
] as const;

export const calibrationTalentRecords = defineResource({
  name: 'calibration_talent_records',
  description: 'Talent records (performance, potential, 9-box) per calibration cycle (admin keys only)',
  path: '/calibration/talent-records/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'admin',
  schema,
  tables: {
    calibration_talent_records: {
      key: ['id'],
      columns: [
        'id',
        'cycle_id',
        'user_id',
        'performance_rating',
        'potential_rating',
        'box',
        'calibrated_by_id',
        'notes',
        'updated_at',
      ],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (t) => ({
    calibration_talent_records: [
      {
        id: t.id,
        cycle_id: t.cycle,
        user_id: t.user,
        performance_rating: t.performance,
        potential_rating: t.potential,
        box: t.box,
        calibrated_by_id: t.calibrated_by,
        notes: t.notes,
        updated_at: t.updated,
      },
    ],
  }),
  fake: {
    perScale: 1000,
    firstId: 40_000_000,
    make(index, id, f) {
      return {
        id,
        cycle: { id: f.idOf('calibration_cycles', index % 2) },
        user: { user_id: f.userId(Math.floor(index / 2)) },
        performance: f.int(`perf${f.version}`, 1, 3),
        potential: f.int('pot', 1, 3),
        box: f.pick(`box${f.version}`, BOXES),
        calibrated_by: { user_id: f.userId(1) },
        notes: null,
        updated: f.nowSeconds - f.int('u', 1, 100) * 86_400 + f.version,
      };
    },
  },
});
