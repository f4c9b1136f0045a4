#!/usr/bin/env -S node --max-semi-space-size=8 --heap-growing-percent=100 --no-allocation-site-pretenuring
// The V8 flags keep the heap near what a sync keeps alive: a small young generation (it allocates fast and
// keeps little), and an old generation collected once it doubles rather than once it has grown several
// times over. With V8's defaults resident memory drifted towards 300 MB and more (see bench/results.md).
// Allocation-site pretenuring is off: in about half of all full syncs V8 decided early to allocate some
// short-lived objects straight into the old generation, and every young object they pointed to was then
// kept and promoted too (300 MB promoted instead of 60), which took a third more CPU for the same sync.
/**
 * `bwsync`: the command line. Thin: parses flags and hands over to the command's module in src/commands/,
 * imported only when that command runs (a sync does not load BullMQ, a worker does not load the
 * simulator). Exit codes: 0 ok, 1 failure, 2 usage or configuration error, 3 partial (some resources
 * refused).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BwsyncError, ConfigError } from './errors.ts';
import { log, scrubSecrets } from './logger.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3 } as const;

function numberOption(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} expects a number >= 0`);
    return n;
  };
}

function buildProgram(): Command {
  const program = new Command('bwsync')
    .description('Keeps a Postgres analytics warehouse in step with a Betterworks tenant.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(scrubSecrets(text)) });

  program
    .command('migrate')
    .description('create the database named in DATABASE_URL if needed and apply pending migrations')
    .action(async () => (await import('./commands/migrate.ts')).migrate());

  program
    .command('simulate')
    .description('serve a fake Betterworks API with deterministic data (for demos, tests and benchmarks)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', numberOption('--port'), 4010)
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'data seed', numberOption('--seed'), 1)
    .option('--scale <n>', 'company size: 1 is about 500 people', numberOption('--scale'), 1)
    .option('--latency-ms <n>', 'added latency per request', numberOption('--latency-ms'), 0)
    .option(
      '--rate-limit-rps <n>',
      'answer 429 above this many requests per second (0: off)',
      numberOption('--rate-limit-rps'),
      0,
    )
    .option(
      '--fault-rate <share>',
      'share of requests answered 500/502/503 or dropped',
      numberOption('--fault-rate'),
      0,
    )
    .option(
      '--malformed-rate <share>',
      'share of records that are malformed',
      numberOption('--malformed-rate'),
      0,
    )
    .action(async (options) => (await import('./commands/simulate.ts')).simulate(options));

  program
    .command('probe')
    .description('call each catalog resource once with the configured key and report what the tenant returns')
    .option('--json', 'print the report as JSON')
    .action(async (options) => (await import('./commands/probe.ts')).probe(options));

  program
    .command('sync')
    .description('sync resources from Betterworks into the warehouse, in this process (no Redis needed)')
    .argument('[resources...]', 'resources to sync (default: all)')
    .option('--full', 'ignore any saved checkpoint and start a fresh pass')
    .option('--json', 'print the summary as JSON on stdout')
    .option(
      '--allow-deletes',
      'confirm a deletion larger than SYNC_DELETE_MAX_SHARE (after checking the source)',
    )
    .addOption(new Option('--trigger <name>', 'recorded in sync_runs.trigger').default('cli').hideHelp())
    .action(async (names: string[], options) => (await import('./commands/sync.ts')).sync(names, options));

  program
    .command('runs')
    .description('list recent sync runs')
    .option('--resource <name>', 'only this resource')
    .option('--limit <n>', 'how many', numberOption('--limit'), 20)
    .option('--json', 'print as JSON')
    .action(async (options) => (await import('./commands/sync.ts')).runs(options));

  program
    .command('demo')
    .description('start the simulator, migrate the database and sync everything: no Betterworks key needed')
    .option('--scale <n>', 'simulated company size', numberOption('--scale'), 1)
    .action(async (options) => (await import('./commands/demo.ts')).demo(options));

  program
    .command('worker')
    .description(
      'run the sync worker: scheduled runs, backfills, ops endpoints (/healthz /readyz /metrics /admin/queues)',
    )
    .action(async () => (await import('./commands/jobs.ts')).worker());

  const schedules = program
    .command('schedules')
    .description('the nightly (or configured) sync schedules, kept in Redis');
  schedules
    .command('apply')
    .description('make the schedulers in Redis match the configuration (idempotent; removes unnamed ones)')
    .action(async () => (await import('./commands/jobs.ts')).schedulesApply());
  schedules
    .command('list')
    .description('show each schedule and its next run')
    .option('--json', 'print as JSON')
    .action(async (options) => (await import('./commands/jobs.ts')).schedulesList(options));

  program
    .command('backfill')
    .description('enqueue an on-demand run for the workers')
    .argument('[resources...]', 'resources (default: all)')
    .option('--full', 'ignore saved checkpoints and start fresh passes')
    .option('--allow-deletes', 'confirm a deletion larger than SYNC_DELETE_MAX_SHARE')
    .option('--wait', 'follow the jobs with progress and exit with their result (as bwsync sync)')
    .option('--json', 'with --wait: print the summary as JSON')
    .action(async (names: string[], options) =>
      (await import('./commands/jobs.ts')).backfill(names, options),
    );

  program
    .command('grant-reader')
    .description('create or update a login-less role with SELECT on the analytics schema only')
    .argument('<role>', 'role name, e.g. bi_reader')
    .action(async (role: string) => (await import('./commands/grant-reader.ts')).grantReader(role));

  return program;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    return reportFailure(error);
  }
}

function reportFailure(error: unknown): number {
  if (error instanceof CommanderError) {
    if (
      error.code === 'commander.helpDisplayed' ||
      error.code === 'commander.help' ||
      error.code === 'commander.version'
    ) {
      return EXIT.ok;
    }
    // Commander printed its own parse errors; ours (thrown by handlers) are printed here.
    if (error.code.startsWith('bwsync.')) process.stderr.write(`bwsync: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof ConfigError) {
    for (const problem of error.problems) process.stderr.write(`bwsync: ${scrubSecrets(problem)}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`bwsync: ${scrubSecrets(message)}\n`);
  if (!(error instanceof BwsyncError)) log.debug({ err: error }, 'unexpected error');
  return EXIT.failed;
}

const invokedDirectly =
  process.argv[1] && import.meta.filename === (await import('node:fs')).realpathSync(process.argv[1]);
if (invokedDirectly) {
  // Long-running commands (simulate, worker) resolve only when they stop. Exiting explicitly ends any
  // handle a library left open; stdout and stderr are synchronous for files and pipes on Linux.
  process.exit(await main(process.argv.slice(2)));
}
