/**
 * A read-only role for BI tools: login-less (grant it to a login role, or `ALTER ROLE … LOGIN PASSWORD`),
 * with USAGE on the analytics schema and SELECT on its views, now and in future migrations. It gets nothing
 * on the raw tables: the views run with their owner's rights.
 */
import pg from 'pg';
import { BwsyncError } from '../errors.ts';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function grantReader(client: pg.ClientBase, role: string): Promise<{ created: boolean }> {
  if (!ROLE_NAME.test(role)) {
    throw new BwsyncError(
      'BAD_ROLE_NAME',
      `role name "${role}" is not valid: expected lower-case letters, digits and _ (at most 63), starting with a letter`,
    );
  }
  const name = pg.escapeIdentifier(role);
  const exists = await client.query('select 1 from pg_roles where rolname = $1', [role]);
  if (!exists.rowCount) await client.query(`create role ${name} nologin`);
  await client.query(`grant usage on schema analytics to ${name}`);
  await client.query(`grant select on all tables in schema analytics to ${name}`);
  await client.query(`alter default privileges in schema analytics grant select on tables to ${name}`);
  return { created: !exists.rowCount };
}
