/**
 * The worker's HTTP server for operators: `/healthz` (the process is alive), `/readyz` (Postgres and Redis
 * answer), `/metrics` (Prometheus) and the Bull Board dashboard at `/admin/queues`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import express from 'express';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Registry } from 'prom-client';
import type { Db } from '../src/warehouse/db.ts';
import type { SyncQueue } from './queue.ts';

const CHECK_TIMEOUT_MS = 2_000;

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

export async function startOpsServer(options: {
  host: string;
  port: number;
  db: Db;
  redis: Redis;
  queue: SyncQueue;
  registry: Registry;
}): Promise<OpsServer> {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    await Promise.all([
      within(sql`select 1`.execute(options.db), CHECK_TIMEOUT_MS).then(
        () => (checks.postgres = 'ok'),
        (error: Error) => (checks.postgres = error.message),
      ),
      within(options.redis.ping(), CHECK_TIMEOUT_MS).then(
        () => (checks.redis = 'ok'),
        (error: Error) => (checks.redis = error.message),
      ),
    ]);
    const ready = Object.values(checks).every((value) => value === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    try {
      res.type(options.registry.contentType).send(await options.registry.metrics());
    } catch (error) {
      res
        .status(503)
        .type('text/plain')
        .send(`metrics unavailable: ${(error as Error).message}\n`);
    }
  });
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: [new BullMQAdapter(options.queue)], serverAdapter: board });
  app.use('/admin/queues', board.getRouter());

  const server: Server = await new Promise((resolve, reject) => {
    const listening = app.listen(options.port, options.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
