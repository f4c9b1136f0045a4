/** Pieces every command uses: config loading with secret registration, resource selection, signals, exit codes. */
import { CommanderError } from 'commander';
import { createApiClient } from '../betterworks/client.ts';
import type { Resource } from '../betterworks/resources/define-resource.ts';
import { findResource, resources } from '../betterworks/resources/registry.ts';
import { type Config, loadConfig, requireApiToken } from '../config.ts';
import { log, registerSecret, registerUrlSecret, setLogLevel } from '../logger.ts';

export function configure(options: { quietOnTerminal?: boolean } = {}): Config {
  const config = loadConfig();
  // Live progress owns the terminal; routine info logs there would tear it. LOG_LEVEL still wins.
  const quiet = options.quietOnTerminal && process.stderr.isTTY && !process.env.LOG_LEVEL;
  setLogLevel(quiet ? 'warn' : config.log.level);
  registerUrlSecret(config.database.url);
  registerUrlSecret(config.redis.url);
  registerSecret(config.betterworks.apiToken);
  return config;
}

export function apiClientFor(config: Config) {
  return createApiClient(config.betterworks, requireApiToken(config), log);
}

/** Resolves on the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => resolve(signal);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** Resources named on the command line (all when none), or a usage error listing the known ones. */
export function selectResources(names: readonly string[]): Resource[] {
  if (names.length === 0) return [...resources];
  const unknown = names.filter((name) => !findResource(name));
  if (unknown.length > 0) {
    throw new CommanderError(
      2,
      'bwsync.unknownResource',
      `unknown resource ${unknown.join(', ')}; expected one of ${resources.map((r) => r.name).join(', ')}`,
    );
  }
  return [...new Set(names)].map((name) => findResource(name) as Resource);
}

export const EXIT_FOR_STATUS = { ok: 0, failed: 1, partial: 3 } as const;
