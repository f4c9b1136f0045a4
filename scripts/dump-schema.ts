/** Writes migrations/schema.sql from a freshly migrated scratch database. Run with `npm run schema:dump`. */

import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import pg from 'pg';
import { migrateDatabase } from '../src/warehouse/db.ts';
import { dumpSchema } from '../src/warehouse/schema-dump.ts';

const server = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const name = `bwsync_schema_${randomBytes(4).toString('hex')}`;
const scratch = new URL(server);
scratch.pathname = `/${name}`;
const admin = new URL(server);
admin.pathname = '/postgres';

await migrateDatabase(scratch.toString());
const client = new pg.Client({ connectionString: scratch.toString() });
await client.connect();
try {
  const text = await dumpSchema(client);
  writeFileSync(new URL('../migrations/schema.sql', import.meta.url), text);
  process.stdout.write(`wrote migrations/schema.sql (${text.split('\n').length} lines)\n`);
} finally {
  await client.end();
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  await adminClient.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  await adminClient.end();
}
