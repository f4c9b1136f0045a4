import {
  fakeTemplate,
  TEMPLATE_COLUMNS,
  templateRowFromApi,
  templateSchema,
} from './conversation-templates.ts';
import { defineResource } from './define-resource.ts';

export const feedbackTemplates = defineResource({
  name: 'feedback_templates',
  description: 'Templates for requested and unsolicited feedback',
  path: '/feedback/templates/',
  pathSource: 'assumed',
  pagination: 'drf',
  access: 'everyone',
  schema: templateSchema,
  tables: { feedback_templates: { key: ['id'], columns: TEMPLATE_COLUMNS } },
  changedAtColumn: 'updated_at',
  toRows: (t) => ({ feedback_templates: [templateRowFromApi(t)] }),
  fake: {
    perScale: 6,
    firstId: 400,
    make: (index, id, f) =>
      fakeTemplate(id, ['Peer feedback', 'Upward feedback', 'Project retro'][index % 3] ?? 'Feedback', f),
  },
});
