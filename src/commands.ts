/**
 * What each `bwsync` subcommand does, once commander has parsed its flags. Each handler loads the config
 * it needs, calls the engine and prints; errors propagate to cli.ts, which maps them to exit codes.
 */
import { createApiClient } from './betterworks/client.ts';
import { probeAll } from './betterworks/probe.ts';
import { resources } from './betterworks/resources/registry.ts';
import { type Config, loadConfig, requireApiToken } from './config.ts';
import { formatTable } from './format-table.ts';
import { log, registerSecret, registerUrlSecret, setLogLevel } from './logger.ts';
import { DEFAULT_KEYS, startSimulator } from './simulator/server.ts';
import { migrateDatabase } from './warehouse/db.ts';

function configure(): Config {
  const config = loadConfig();
  setLogLevel(config.log.level);
  registerUrlSecret(config.database.url);
  registerUrlSecret(config.redis.url);
  registerSecret(config.betterworks.apiToken);
  return config;
}

function apiClientFor(config: Config) {
  return createApiClient(config.betterworks, requireApiToken(config), log);
}

async function probe(flags: { json?: boolean }): Promise<void> {
  const config = configure();
  const client = apiClientFor(config);
  const rows = await probeAll(
    client,
    resources,
    config.betterworks.pathOverrides,
    config.betterworks.pageSize,
  );
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ baseUrl: client.baseUrl, resources: rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`Probing ${client.baseUrl}\n\n`);
    const table = formatTable(
      [
        'resource',
        'path',
        'source',
        'status',
        'pagination',
        'items',
        'unknown fields',
        'missing fields',
        'verdict',
      ],
      rows.map((r) => [
        r.resource,
        r.path,
        r.pathSource,
        r.status,
        r.pagination,
        r.items,
        r.unknownFields.join(',') || '',
        r.missingFields.join(',') || '',
        r.verdict,
      ]),
    );
    process.stdout.write(`${table}\n`);
    for (const row of rows.filter((r) => r.verdict !== 'ok'))
      process.stdout.write(`\n${row.resource}: ${row.message}\n`);
  }
  const blocked = rows.find((r) => r.verdict === 'key rejected' || r.verdict === 'privacy notice pending');
  if (blocked) process.exitCode = 1;
  else if (rows.some((r) => r.verdict !== 'ok')) process.exitCode = 3;
}

async function migrate(): Promise<void> {
  const config = configure();
  const result = await migrateDatabase(config.database.url);
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  if (result.created) process.stdout.write(`created database ${name}\n`);
  if (result.applied.length === 0) process.stdout.write(`database ${name} is up to date; nothing to apply\n`);
  for (const migration of result.applied) process.stdout.write(`applied ${migration}\n`);
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

interface SimulateFlags {
  port: number;
  host: string;
  seed: number;
  scale: number;
  latencyMs: number;
  rateLimitRps: number;
  faultRate: number;
  malformedRate: number;
}

async function simulate(flags: SimulateFlags): Promise<void> {
  const simulator = await startSimulator(flags);
  const keys = Object.entries(DEFAULT_KEYS)
    .map(([key, info]) => `  ${key.padEnd(20)} ${info.status === 'active' ? info.role : info.status}`)
    .join('\n');
  process.stdout.write(
    `Betterworks simulator (seed ${flags.seed}, scale ${flags.scale}) at ${simulator.baseUrl}\n` +
      `Keys (send as "Authorization: APIToken <key>"):\n${keys}\n` +
      `Try: BETTERWORKS_BASE_URL=${simulator.baseUrl} BETTERWORKS_API_TOKEN=sim_super_admin npx bwsync probe\n`,
  );
  await untilSignal();
  await simulator.stop();
}

export const commandHandlers = {
  migrate,
  simulate,
  probe,
};
