import { z } from 'zod';
import { PHRASES } from '../../simulator/words.ts';
import { apiId, optionalNumber, optionalText, refId, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  goal: refId,
  assessor: refId,
  score: optionalNumber,
  comment: optionalText,
  created: timestamp,
  updated: timestamp,
});

export const goalAssessments = defineResource({
  name: 'goal_assessments',
  description: 'End-of-period assessments (scores) of goals',
  path: '/goals/assessments/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    goal_assessments: {
      key: ['id'],
      columns: ['id', 'goal_id', 'assessor_id', 'score', 'comment', 'created_at', 'updated_at'],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (a) => ({
    goal_assessments: [
      {
        id: a.id,
        goal_id: a.goal,
        assessor_id: a.assessor,
        score: a.score,
        comment: a.comment,
        created_at: a.created,
        updated_at: a.updated,
      },
    ],
  }),
  fake: {
    perScale: 500,
    firstId: 9_000_000,
    make(index, id, f) {
      const created = f.nowSeconds - f.int('created', 1, 60) * 86_400;
      return {
        id,
        goal: { id: f.idOf('goals', index * 2) },
        assessor: { user_id: f.userId(index * 2 + 1) },
        score: f.int(`s${f.version}`, 1, 5),
        comment: f.pick('c', PHRASES),
        created,
        updated: created + f.version * 60,
      };
    },
  },
});
