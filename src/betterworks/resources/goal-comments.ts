import { z } from 'zod';
import { PHRASES } from '../../simulator/words.ts';
import { apiId, refId, text, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  goal: refId,
  author: refId,
  text,
  created: timestamp,
  updated: timestamp,
});

export const goalComments = defineResource({
  name: 'goal_comments',
  description: 'Comments on objectives and key results',
  path: '/goals/comments/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    goal_comments: {
      key: ['id'],
      columns: ['id', 'goal_id', 'author_id', 'body', 'created_at', 'updated_at'],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (c) => ({
    goal_comments: [
      {
        id: c.id,
        goal_id: c.goal,
        author_id: c.author,
        body: c.text,
        created_at: c.created,
        updated_at: c.updated,
      },
    ],
  }),
  fake: {
    perScale: 2000,
    firstId: 7_000_000,
    make(index, id, f) {
      const created = f.nowSeconds - f.int('created', 1, 120) * 86_400;
      return {
        id,
        goal: { id: f.idOf('goals', Math.floor(index / 2)) },
        author: { user_id: f.userId(f.int('author', 0, f.userCount - 1)) },
        text: f.pick(`t${f.version}`, PHRASES),
        created,
        updated: created + f.version * 60,
      };
    },
  },
});
