import { z } from 'zod';
import { apiId, optionalBoolean, optionalText, text, timestamp } from '../fields.ts';
import { defineResource, type FakeContext } from './define-resource.ts';

/** Template schema shared by conversation and feedback templates. */
export const templateSchema = z.object({
  id: apiId,
  name: text,
  description: optionalText,
  is_active: optionalBoolean,
  questions: z
    .array(z.object({ id: apiId, text, type: optionalText }))
    .nullish()
    .transform((questions) => questions ?? []),
  created: timestamp,
  updated: timestamp,
});

export const TEMPLATE_COLUMNS = [
  'id',
  'name',
  'description',
  'is_active',
  'questions',
  'question_count',
  'created_at',
  'updated_at',
] as const;

export function templateRowFromApi(t: z.output<typeof templateSchema>) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    is_active: t.is_active ?? true,
    questions: t.questions,
    question_count: t.questions.length,
    created_at: t.created,
    updated_at: t.updated,
  };
}

export function fakeTemplate(id: number, name: string, f: FakeContext) {
  const created = f.nowSeconds - f.int('created', 100, 900) * 86_400;
  return {
    id,
    name: f.version ? `${name} v${f.version + 1}` : name,
    description: null,
    is_active: f.random('active') < 0.85,
    questions: Array.from({ length: 4 }, (_, q) => ({
      id: id * 10 + q,
      text: `Question ${q + 1}`,
      type: q === 3 ? 'rating' : 'text',
    })),
    created,
    updated: created + f.version * 60,
  };
}

export const conversationTemplates = defineResource({
  name: 'conversation_templates',
  description: 'Templates for 1:1s, check-ins and reviews',
  path: '/conversations/templates/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema: templateSchema,
  tables: { conversation_templates: { key: ['id'], columns: TEMPLATE_COLUMNS } },
  changedAtColumn: 'updated_at',
  toRows: (t) => ({ conversation_templates: [templateRowFromApi(t)] }),
  fake: {
    perScale: 8,
    firstId: 300,
    make: (index, id, f) =>
      fakeTemplate(
        id,
        ['Weekly 1:1', 'Quarterly review', 'Career check-in', 'Onboarding 30/60/90'][index % 4] ?? 'Check-in',
        f,
      ),
  },
});
