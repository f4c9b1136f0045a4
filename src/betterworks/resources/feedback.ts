import { z } from 'zod';
import { PHRASES } from '../../simulator/words.ts';
import { apiId, optionalNumber, optionalText, refId, timestamp } from '../fields.ts';
import { defineResource } from './define-resource.ts';

const schema = z.object({
  id: apiId,
  template: refId,
  requester: refId,
  giver: refId,
  receiver: refId,
  status: optionalText,
  requested: timestamp,
  submitted: timestamp,
  updated: timestamp,
  responses: z
    .array(z.object({ id: apiId, question: refId, text: optionalText, rating: optionalNumber }))
    .nullish()
    .transform((responses) => responses ?? []),
});

export const feedback = defineResource({
  name: 'feedback',
  description: 'Feedback given and requested, with its responses',
  path: '/feedback/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema,
  tables: {
    feedback: {
      key: ['id'],
      columns: [
        'id',
        'template_id',
        'requester_id',
        'giver_id',
        'receiver_id',
        'status',
        'requested_at',
        'submitted_at',
        'updated_at',
      ],
    },
    feedback_responses: {
      key: ['id'],
      parentColumn: 'feedback_id',
      columns: ['id', 'feedback_id', 'question_id', 'answer', 'rating'],
    },
  },
  changedAtColumn: 'updated_at',
  toRows: (fb) => ({
    feedback: [
      {
        id: fb.id,
        template_id: fb.template,
        requester_id: fb.requester,
        giver_id: fb.giver,
        receiver_id: fb.receiver,
        status: fb.status,
        requested_at: fb.requested,
        submitted_at: fb.submitted,
        updated_at: fb.updated,
      },
    ],
    feedback_responses: fb.responses.map((r) => ({
      id: r.id,
      feedback_id: fb.id,
      question_id: r.question,
      answer: r.text,
      rating: r.rating,
    })),
  }),
  fake: {
    perScale: 1000,
    firstId: 20_000_000,
    idStride: 8,
    make(index, id, f) {
      const template = f.idOf('feedback_templates', index);
      const requested = f.nowSeconds - f.int('req', 1, 200) * 86_400;
      const state = f.random(`state${f.version}`);
      const status = state < 0.65 ? 'submitted' : state < 0.9 ? 'requested' : 'declined';
      return {
        id,
        template: { id: template },
        requester: { user_id: f.userId(index) },
        giver: { user_id: f.userId(index + 7) },
        receiver: { user_id: f.userId(index) },
        status,
        requested,
        submitted: status === 'submitted' ? requested + 2 * 86_400 : null,
        updated: requested + f.version * 60,
        responses:
          status === 'submitted'
            ? Array.from({ length: 3 }, (_, r) => ({
                id: id + r + 1,
                question: template * 10 + r,
                text: r === 2 ? null : f.pick(`a${r}`, PHRASES),
                rating: r === 2 ? f.int('rating', 1, 5) : null,
              }))
            : [],
      };
    },
  },
});
