/** `bwsync migrate`. */
import { migrateDatabase } from '../warehouse/db.ts';
import { configure } from './shared.ts';

export async function migrate(): Promise<void> {
  const config = configure();
  const result = await migrateDatabase(config.database.url);
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  if (result.created) process.stdout.write(`created database ${name}\n`);
  if (result.applied.length === 0) process.stdout.write(`database ${name} is up to date; nothing to apply\n`);
  for (const migration of result.applied) process.stdout.write(`applied ${migration}\n`);
}
