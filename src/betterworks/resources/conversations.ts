import { z } from 'zod';
import { PHRASES } from '../../simulator/words.ts';
import { apiId, optionalNumber, optionalText, refId, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const responseSchema = z.object({
  id: apiId,
  question: refId,
  author: refId,
  text: optionalText,
  rating: optionalNumber,
  submitted: timestamp,
});

const schema = z.object({
  id: apiId,
  template: refId,
  subject: refId,
  manager: refId,
  status: optionalText,
  scheduled: timestamp,
  completed: timestamp,
  created: timestamp,
  updated: timestamp,
  responses: z
    .array(responseSchema)
    .nullish()
    .transform((responses) => responses ?? []),
});

export const conversations = defineResource({
  name: 'conversations',
  description: 'Conversations (1:1s, reviews) with their responses',
  path: '/conversations/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    conversations: {
      key: ['id'],
      columns: [
        'id',
        'template_id',
        'subject_id',
        'manager_id',
        'status',
        'scheduled_at',
        'completed_at',
        'created_at',
        'updated_at',
      ],
    },
    conversation_responses: {
      key: ['id'],
      parentColumn: 'conversation_id',
      columns: ['id', 'conversation_id', 'question_id', 'author_id', 'answer', 'rating', 'submitted_at'],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (c) => ({
    conversations: [
      {
        id: c.id,
        template_id: c.template,
        subject_id: c.subject,
        manager_id: c.manager,
        status: c.status,
        scheduled_at: c.scheduled,
        completed_at: c.completed,
        created_at: c.created,
        updated_at: c.updated,
      },
    ],
    conversation_responses: c.responses.map((r) => ({
      id: r.id,
      conversation_id: c.id,
      question_id: r.question,
      author_id: r.author,
      answer: r.text,
      rating: r.rating,
      submitted_at: r.submitted,
    })),
  }),
  fake: {
    perScale: 1000,
    firstId: 10_000_000,
    idStride: 8,
    make(index, id, f) {
      const template = f.idOf('conversation_templates', index);
      const scheduled = f.nowSeconds - f.int('sched', -20, 200) * 86_400;
      const completed = scheduled < f.nowSeconds && f.random(`done${f.version}`) < 0.7;
      const responseCount = completed ? f.int('responses', 2, 4) : 0;
      return {
        id,
        template: { id: template },
        subject: { user_id: f.userId(Math.floor(index / 2)) },
        manager: { user_id: f.userId(Math.floor(index / 12)) },
        status: completed ? 'completed' : scheduled < f.nowSeconds ? 'in_progress' : 'scheduled',
        scheduled: new Date(scheduled * 1000).toISOString(),
        completed: completed ? new Date((scheduled + 3600) * 1000).toISOString() : null,
        created: scheduled - 7 * 86_400,
        updated: scheduled + f.version * 60,
        responses: Array.from({ length: responseCount }, (_, r) => ({
          id: id + r + 1,
          question: { id: template * 10 + r },
          author: { user_id: f.userId(r % 2 === 0 ? Math.floor(index / 2) : Math.floor(index / 12)) },
          text: r === 3 ? null : f.pick(`a${r}`, PHRASES),
          rating: r === 3 ? f.int('rating', 1, 5) : null,
          submitted: scheduled + 3600,
        })),
      };
    },
  },
});
