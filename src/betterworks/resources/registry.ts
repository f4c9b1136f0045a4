/**
 * Every resource betterworks-sync knows, in the order a full sync starts them. The CLI, simulator, probe,
 * schedules, warehouse and tests iterate this list; adding a resource is one file plus one line here
 * (and one migration for its tables).
 */
import { calibrationCycles } from './calibration-cycles.ts';
import { calibrationTalentRecords } from './calibration-talent-records.ts';
import { conversationTemplates } from './conversation-templates.ts';
import { conversations } from './conversations.ts';
import type { Resource } from './define-resource.ts';
import { departments } from './departments.ts';
import { feedback } from './feedback.ts';
import { feedbackTemplates } from './feedback-templates.ts';
import { goalAssessments } from './goal-assessments.ts';
import { goalCheckins } from './goal-checkins.ts';
import { goalComments } from './goal-comments.ts';
import { goals } from './goals.ts';
import { recognitions } from './recognitions.ts';
import { users } from './users.ts';

export const resources: readonly Resource[] = [
  users,
  departments,
  goals,
  goalComments,
  goalCheckins,
  goalAssessments,
  conversationTemplates,
  conversations,
  feedbackTemplates,
  feedback,
  recognitions,
  calibrationCycles,
  calibrationTalentRecords,
] as Resource[];

export const resourceNames: readonly string[] = resources.map((resource) => resource.name);

/** Looks a resource up by name. */
export function findResource(name: string): Resource | undefined {
  return resources.find((resource) => resource.name === name);
}
