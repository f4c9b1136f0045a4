/**
 * Redis connections for BullMQ. Workers and queue-event listeners block, so they retry forever
 * (`maxRetriesPerRequest: null`, as BullMQ requires); a producer such as the CLI fails fast with a clear
 * message instead of hanging when Redis is down.
 */
import { Redis } from 'ioredis';
import { BwsyncError } from '../src/errors.ts';

export function createWorkerConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/** Connects a producer connection now, or throws saying where Redis was expected. */
export async function connectProducer(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 5_000,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (error) {
    const target = new URL(url);
    redis.disconnect();
    throw new BwsyncError(
      'REDIS_UNREACHABLE',
      `could not connect to Redis at ${target.hostname}:${target.port || 6379} (${(error as Error).message}); ` +
        'check REDIS_URL and that Redis is running',
      { cause: error },
    );
  }
  return redis;
}
