/**
 * What each `bwsync` subcommand does, once commander has parsed its flags. Each handler loads the config
 * it needs, calls the engine and prints; errors propagate to cli.ts, which maps them to exit codes.
 */
import { loadConfig } from './config.ts';
import { registerUrlSecret, setLogLevel } from './logger.ts';
import { migrateDatabase } from './warehouse/db.ts';

function configure() {
  const config = loadConfig();
  setLogLevel(config.log.level);
  registerUrlSecret(config.database.url);
  return config;
}

async function migrate(): Promise<void> {
  const config = configure();
  const result = await migrateDatabase(config.database.url);
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  if (result.created) process.stdout.write(`created database ${name}\n`);
  if (result.applied.length === 0) process.stdout.write(`database ${name} is up to date; nothing to apply\n`);
  for (const migration of result.applied) process.stdout.write(`applied ${migration}\n`);
}

export const commandHandlers = {
  migrate,
};
