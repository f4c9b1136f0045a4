import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findResource } from '../../src/betterworks/resources/registry.ts';
import { runSync } from '../../src/sync/run-sync.ts';
import { freshDatabase, type TestDatabase } from '../helpers/database.ts';
import { startTestServer, type TestServer } from '../helpers/http-server.ts';
import { syncContextFor } from '../helpers/sync.ts';

/**
 * Departments as an API might send them: escapes and numbers JSON.stringify would write differently. The
 * envelope changes with every request, so that no page is ever served exactly as before: a re-sync reads
 * every record and looks it up by its hash.
 */
const compactPage = (origin: string, request: number) =>
  `{"count":3,"next":"${origin}/api/v1/departments/?page=2","previous":null,"served":${request},"results":[` +
  '{"id":1,"name":"Caf\\u00e9 \\"R&D\\" \\\\ team","parent":null,"group_type":"division","score":1.50,"big":12345678901234567890},' +
  '{"id":2,"name":"Ops","parent":{"id":1},"group_type":null,"tags":["a\\/b"]}]}';
const spacedPage = `{
  "count": 3,
  "next": null,
  "results": [
    {"id": 3, "name": "Field\\tSales", "parent": 1, "group_type": "department", "score": 2.50}
  ]
}`;

describe('records stored as the API sent them', () => {
  let api: TestServer;
  let database: TestDatabase;
  beforeAll(async () => {
    api = await startTestServer((req, res, origin, request) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        req.url?.includes('page=2')
          ? spacedPage.replace('"count"', `"served": ${request}, "count"`)
          : compactPage(origin, request),
      );
    });
    database = await freshDatabase();
  });
  afterAll(async () => {
    await api.stop();
    await database.drop();
  });

  it('keeps raw as received, and re-syncs that read every record again write nothing', async () => {
    const departments = findResource('departments')!;
    const sync = async (restart = false) => {
      const context = syncContextFor(`${api.origin}/api/v1`, database.url);
      try {
        return await runSync(departments, context.deps, { trigger: 'test', restart });
      } finally {
        await context.close();
      }
    };
    const first = await sync();
    expect([first.status, first.inserted]).toEqual(['ok', 3]);
    const rows = await sql<{ id: string; name: string; parent_id: string | null; raw: string }>`
      select id, name, parent_id, raw::text as raw from departments order by id`.execute(database.db);
    expect(
      rows.rows.map((r) => [Number(r.id), r.name, r.parent_id === null ? null : Number(r.parent_id)]),
    ).toEqual([
      [1, 'Café "R&D" \\ team', null],
      [2, 'Ops', 1],
      [3, 'Field\tSales', 1],
    ]);
    // The compact page's records keep their numbers as sent (jsonb keeps 1.50 and every digit); the spaced-out
    // page's record is serialized again from its parsed value.
    expect(rows.rows.map((r) => JSON.parse(r.raw))).toMatchObject([
      { name: 'Café "R&D" \\ team' },
      { tags: ['a/b'] },
      { name: 'Field\tSales', score: 2.5 },
    ]);
    expect(rows.rows[0]?.raw).toContain('"score": 1.50');
    expect(rows.rows[0]?.raw).toContain('"big": 12345678901234567890');
    expect(rows.rows[2]?.raw).toContain('"score": 2.5');

    for (const restart of [false, true]) {
      const again = await sync(restart);
      expect([again.status, again.inserted, again.updated, again.deleted, again.unchanged]).toEqual([
        'ok',
        0,
        0,
        0,
        3,
      ]);
    }
  });
});
