/** `bwsync simulate`. */
import { DEFAULT_KEYS, startSimulator } from '../simulator/server.ts';
import { untilSignal } from './shared.ts';

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

export async function simulate(flags: SimulateFlags): Promise<void> {
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
