import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, normalizeRecord } from '../../src/betterworks/normalize.ts';
import { findResource } from '../../src/betterworks/resources/registry.ts';

const users = findResource('users')!;
const goals = findResource('goals')!;
const recognitions = findResource('recognitions')!;

describe('normalizeRecord', () => {
  it('keeps employee ids as strings with leading zeros and turns times into timestamps', () => {
    const result = normalizeRecord(users, {
      id: '148665',
      name: 'Jane Doe',
      employee_id: '000123',
      department: { id: 901 },
      manager: null,
      created: 1706745600,
      updated: '2024-02-01T00:00:00Z',
      deactivated: null,
      x_new: 'kept in raw',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const [row] = result.rows.users ?? [];
    expect(row).toMatchObject({
      id: 148665,
      employee_id: '000123',
      department_id: 901,
      manager_id: null,
      is_active: true,
      created_at: new Date('2024-02-01T00:00:00Z'),
      updated_at: new Date('2024-02-01T00:00:00Z'),
    });
    expect(result.raw.x_new).toBe('kept in raw');
    expect(result.cleaned).toBe(false);
  });

  it('flattens key results into goal rows with their parent, dates and 0..1 progress', () => {
    const result = normalizeRecord(goals, {
      id: 5537351,
      name: 'Grow EMEA pipeline to $4M',
      is_key_result: false,
      parent: null,
      owner: { user_id: 148665, user: { name: 'Jane Doe' } },
      start: '2024-01-01',
      end: 1711843200,
      measurement: { progress: 0.42 },
      updated: 1706745600,
      last_checkedin: 1706659200,
      children: [
        {
          id: 5537352,
          name: 'Close 12 deals',
          is_key_result: true,
          parent: { id: 5537351 },
          measurement: { progress: 0.5 },
        },
      ],
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.rows.goals).toMatchObject([
      {
        id: 5537351,
        parent_id: null,
        owner_id: 148665,
        start_date: '2024-01-01',
        end_date: '2024-03-31',
        progress: 0.42,
      },
      { id: 5537352, parent_id: 5537351, is_key_result: true, progress: 0.5 },
    ]);
  });

  it('removes NUL characters everywhere and notes that it cleaned the record', () => {
    const result = normalizeRecord(recognitions, {
      id: 7,
      message: 'Great\u0000 work',
      givers: [{ user_id: 1 }],
      receivers: [2, { id: 3 }],
      hashtags: ['#Teamwork', 'teamwork', { name: 'grit\u0000' }],
      extra: { 'k\u0000': ['v\u0000'] },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.cleaned).toBe(true);
    expect(JSON.stringify(result)).not.toContain('\\u0000');
    expect(result.rows.recognitions?.[0]?.message).toBe('Great work');
    expect(result.rows.recognition_receivers?.map((r) => r.user_id)).toEqual([2, 3]);
    expect(result.rows.recognition_hashtags?.map((r) => r.hashtag)).toEqual(['teamwork', 'grit']);
  });

  it('returns a reject with the zod issues and the raw payload instead of throwing', () => {
    const raw = { id: 'id-12', name: 42, measurement: { progress: 3 } };
    const result = normalizeRecord(goals, raw);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.reject.recordId).toBeNull();
    expect(result.reject.raw).toEqual(raw);
    expect(result.reject.reason).toMatchInlineSnapshot(
      `"id: expected a positive integer id; name: Invalid input: expected string, received number; measurement.progress: expected a fraction from 0 to 1"`,
    );
    const missing = normalizeRecord(users, { name: 'No id' });
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.reject.issues).toMatchObject([{ path: 'id' }]);
  });

  it('rejects records nested deeper than Postgres can store, keeping them as text', () => {
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = { child: deep };
    const result = normalizeRecord(users, { id: 1, name: 'Deep', settings: deep });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reject.recordId).toBe(1);
      expect(typeof result.reject.raw).toBe('string');
    }
  });
});
