import { z } from 'zod';
import { CHECKIN_STATES, PHRASES } from '../../simulator/words.ts';
import { apiId, fraction, optionalNumber, optionalText, refId, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  goal: refId,
  user: refId,
  value: optionalNumber,
  progress: fraction,
  status: optionalText,
  note: optionalText,
  created: timestamp,
});

export const goalCheckins = defineResource({
  name: 'goal_checkins',
  description: 'Progress check-ins on goals and key results (the progress history)',
  path: '/goals/checkins/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    goal_checkins: {
      key: ['id'],
      columns: ['id', 'goal_id', 'user_id', 'value', 'progress', 'status', 'note', 'checked_in_at'],
    },
  },
  toRows: (c) => ({
    goal_checkins: [
      {
        id: c.id,
        goal_id: c.goal,
        user_id: c.user,
        value: c.value,
        progress: c.progress,
        status: c.status,
        note: c.note,
        checked_in_at: c.created,
      },
    ],
  }),
  fake: {
    perScale: 3000,
    firstId: 8_000_000,
    make(index, id, f) {
      const progress = Math.round(f.random(`p${f.version}`) * 100) / 100;
      return {
        id,
        goal: { id: f.idOf('goals', Math.floor(index / 3)) + 1 },
        user: { user_id: f.userId(Math.floor(index / 3)) },
        value: Math.round(progress * 120),
        progress,
        status: f.pick('s', CHECKIN_STATES),
        note: f.random('n') < 0.5 ? null : f.pick('note', PHRASES),
        created: f.nowSeconds - f.int('created', 1, 90) * 86_400,
      };
    },
  },
});
