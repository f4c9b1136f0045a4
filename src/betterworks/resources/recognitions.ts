import { z } from 'zod';
import { HASHTAGS, PHRASES } from '../../simulator/words.ts';
import { apiId, optionalText, timestamp, userRefs } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  message: optionalText,
  givers: userRefs,
  receivers: userRefs,
  hashtags: z
    .array(z.union([z.string(), z.object({ name: z.string() })]))
    .nullish()
    .transform((tags) => [
      ...new Set(
        (tags ?? []).map((t) => (typeof t === 'string' ? t : t.name).replace(/^#/, '').toLowerCase()),
      ),
    ]),
  created: timestamp,
});

export const recognitions = defineResource({
  name: 'recognitions',
  description: 'Recognition, with who gave it, who received it and the hashtags used',
  path: '/recognitions/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    recognitions: { key: ['id'], columns: ['id', 'message', 'created_at'] },
    recognition_givers: {
      key: ['recognition_id', 'user_id'],
      parentColumn: 'recognition_id',
      columns: ['recognition_id', 'user_id'],
    },
    recognition_receivers: {
      key: ['recognition_id', 'user_id'],
      parentColumn: 'recognition_id',
      columns: ['recognition_id', 'user_id'],
    },
    recognition_hashtags: {
      key: ['recognition_id', 'hashtag'],
      parentColumn: 'recognition_id',
      columns: ['recognition_id', 'hashtag'],
    },
  },
  toRows: (r) => ({
    recognitions: [{ id: r.id, message: r.message, created_at: r.created }],
    recognition_givers: [...new Set(r.givers)].map((user_id) => ({ recognition_id: r.id, user_id })),
    recognition_receivers: [...new Set(r.receivers)].map((user_id) => ({ recognition_id: r.id, user_id })),
    recognition_hashtags: r.hashtags.map((hashtag) => ({ recognition_id: r.id, hashtag })),
  }),
  fake: {
    perScale: 500,
    firstId: 30_000_000,
    make(index, id, f) {
      const receivers = Array.from({ length: f.int('rc', 1, 3) }, (_, k) => ({
        user_id: f.userId(index * 3 + k + 1),
      }));
      return {
        id,
        message: `${f.pick(`m${f.version}`, PHRASES)} #${f.pick('h1', HASHTAGS)}`,
        givers: [{ user_id: f.userId(index) }],
        receivers,
        hashtags: [...new Set([f.pick('h1', HASHTAGS), f.pick(`h2${f.version}`, HASHTAGS)])].map(
          (h) => `#${h}`,
        ),
        created: f.nowSeconds - f.int('created', 1, 365) * 86_400,
      };
    },
  },
});
