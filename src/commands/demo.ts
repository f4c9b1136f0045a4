/** `bwsync demo`. */
import { resources } from '../betterworks/resources/registry.ts';
import type { Config } from '../config.ts';
import { BwsyncError } from '../errors.ts';
import { formatTable } from '../format-table.ts';
import { startSimulator } from '../simulator/server.ts';
import { summaryText } from '../sync/summary.ts';
import { createDb, migrateDatabase } from '../warehouse/db.ts';
import { configure, EXIT_FOR_STATUS } from './shared.ts';
import { runSyncCommand } from './sync.ts';

/** The simulator is local: the demo may ask it far more than the real API's conservative defaults. */
const DEMO_API_SETTINGS = { rateLimitRps: 100, maxInFlight: 4 } as const;

export async function demo(flags: { scale: number }): Promise<void> {
  const config = configure({ quietOnTerminal: true });
  const name = decodeURIComponent(new URL(config.database.url).pathname.slice(1));
  process.stdout.write(
    `1/4 Starting the Betterworks simulator (a fictional company, scale ${flags.scale})…\n`,
  );
  const simulator = await startSimulator({ port: 0, seed: 1, scale: flags.scale });
  try {
    process.stdout.write(`    serving ${simulator.baseUrl}\n2/4 Migrating database ${name}…\n`);
    const migrated = await migrateDatabase(config.database.url);
    process.stdout.write(
      `    ${migrated.created ? 'created it; ' : ''}${migrated.applied.length} migration(s) applied\n`,
    );
    await refuseRealWarehouse(config);
    const demoConfig: Config = {
      ...config,
      betterworks: {
        ...config.betterworks,
        ...DEMO_API_SETTINGS,
        baseUrl: simulator.baseUrl,
        apiToken: 'sim_super_admin',
        pathOverrides: {},
      },
    };
    process.stdout.write('3/4 Syncing every resource…\n');
    const summary = await runSyncCommand(demoConfig, resources, {
      trigger: 'demo',
      restart: true,
      allowMassDelete: true,
    });
    process.stdout.write(`${summaryText(summary)}\n\n4/4 A sample analytics query:\n`);
    process.stdout.write(`${await sampleAnalytics(config)}\n\n`);
    process.stdout.write(
      [
        `The warehouse in ${name} now holds the simulated company; BI tools can read the analytics schema`,
        '(give them a read-only role with `npx bwsync grant-reader bi_reader`).',
        '',
        'Next, against your real tenant:',
        '  1. A Super Admin creates an API key (Admin → Platform Configuration → Betterworks API).',
        '  2. export BETTERWORKS_API_TOKEN=<key> (or BETTERWORKS_API_TOKEN_FILE) and, for a separate warehouse, DATABASE_URL',
        '  3. npx bwsync probe     # what the tenant returns for each resource',
        '  4. npx bwsync sync      # a first full sync',
        '',
      ].join('\n'),
    );
    process.exitCode = EXIT_FOR_STATUS[summary.status];
  } finally {
    await simulator.stop();
  }
}

/** Demo data must not be mixed into a warehouse that holds a real tenant's data. */
async function refuseRealWarehouse(config: Config): Promise<void> {
  const { db } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-demo' });
  try {
    const real = await db
      .selectFrom('sync_runs')
      .select('id')
      .where('trigger', '!=', 'demo')
      .limit(1)
      .executeTakeFirst();
    if (real) {
      throw new BwsyncError(
        'DEMO_REFUSED',
        'this database already holds syncs of a real tenant; point DATABASE_URL at another database for the demo',
      );
    }
  } finally {
    await db.destroy();
  }
}

async function sampleAnalytics(config: Config): Promise<string> {
  const { pool } = createDb(config.database.url, { maxConnections: 1, applicationName: 'bwsync-demo' });
  try {
    const query = `select department_name, objectives, key_results, avg_objective_progress, objectives_completed
      from analytics.goal_progress_by_department
      where period_start = '2026-10-01' order by avg_objective_progress desc nulls last limit 5`;
    const result = await pool.query(query);
    const table = formatTable(
      ['department', 'objectives', 'key results', 'avg progress', 'completed'],
      result.rows.map((r) => [
        r.department_name,
        r.objectives,
        r.key_results,
        r.avg_objective_progress,
        r.objectives_completed,
      ]),
    );
    return `  -- Q4 goal progress by department (analytics.goal_progress_by_department)\n${table}`;
  } finally {
    await pool.end();
  }
}
