/**
 * Live progress per resource on a terminal (pages, records, records per second), redrawn in place on
 * stderr. Off when stderr is not a TTY, so logs and CI output stay clean.
 */
import type { SyncProgress } from './run-sync.ts';

export interface ProgressDisplay {
  update(progress: SyncProgress): void;
  stop(): void;
}

export function createProgressDisplay(stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  if (!stream.isTTY) return { update: () => {}, stop: () => {} };
  const latest = new Map<string, SyncProgress>();
  let drawnLines = 0;
  const draw = () => {
    const now = Date.now();
    const lines = [...latest.values()].map((p) => {
      const seconds = Math.max(0.001, (now - p.startedAt) / 1000);
      const rate = Math.round(p.records / seconds);
      return `  ${p.resource.padEnd(28)} ${String(p.pages).padStart(6)} pages ${String(p.records).padStart(9)} records ${String(rate).padStart(7)}/s`;
    });
    if (drawnLines > 0) stream.write(`\x1b[${drawnLines}A`);
    for (const line of lines) stream.write(`\x1b[2K${line}\n`);
    drawnLines = lines.length;
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return {
    update(progress) {
      latest.set(progress.resource, progress);
    },
    stop() {
      clearInterval(timer);
      draw();
    },
  };
}
