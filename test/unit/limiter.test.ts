import { describe, expect, it } from 'vitest';
import { type Clock, RequestLimiter } from '../../src/betterworks/limiter.ts';

/** A clock that moves only when the limiter sleeps, and records each sleep it is asked for. */
function fakeClock(): Clock & { sleeps: number[] } {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

async function startTimes(limiter: RequestLimiter, clock: Clock, requests: number): Promise<number[]> {
  const starts: number[] = [];
  await Promise.all(
    Array.from({ length: requests }, () =>
      limiter.run(async () => {
        starts.push(clock.now());
      }),
    ),
  );
  return starts;
}

describe('RequestLimiter', () => {
  it('spaces requests evenly at a low rate, a second of them over a little more than a second', async () => {
    const clock = fakeClock();
    const limiter = new RequestLimiter({ ratePerSecond: 10, maxInFlight: 100, clock });
    const starts = await startTimes(limiter, clock, 5);
    expect(starts.map((at) => at - 1_000_000)).toEqual([0, 101, 202, 303, 404]);
  });

  it('never starts more than the rate within one second, even when timers fire early', async () => {
    // Timers that fire up to 0.9 ms early let a request start before its time (waits under 1 ms are not
    // waited out); a server counting by the second must still never see 11 requests in one at 10/s.
    const clock = fakeClock();
    const early: Clock = { now: clock.now, sleep: (ms) => clock.sleep(Math.max(0, ms - 0.9)) };
    const limiter = new RequestLimiter({ ratePerSecond: 10, maxInFlight: 100, clock: early });
    const starts = await startTimes(limiter, early, 40);
    for (let i = 10; i < starts.length; i++)
      expect((starts[i] as number) - (starts[i - 10] as number)).toBeGreaterThan(1000);
  });

  it('never asks for a wait shorter than the clock resolves, and still keeps a high rate', async () => {
    // setTimeout rounds any wait up to a whole millisecond: waiting 0.01 ms between requests capped a
    // configured 100,000 requests/s at about 1000.
    const clock = fakeClock();
    const limiter = new RequestLimiter({ ratePerSecond: 100_000, maxInFlight: 1000, clock });
    const starts = await startTimes(limiter, clock, 500);
    expect(clock.sleeps.every((ms) => ms >= 1)).toBe(true);
    // 500 requests at 100 per millisecond need at least 4 ms after the first; no more than one extra.
    const spanMs = (starts.at(-1) as number) - (starts[0] as number);
    expect(spanMs).toBeGreaterThanOrEqual(4);
    expect(spanMs).toBeLessThanOrEqual(5);
  });

  it('holds every request back during a pause', async () => {
    const clock = fakeClock();
    const limiter = new RequestLimiter({ ratePerSecond: 100_000, maxInFlight: 10, clock });
    limiter.pauseFor(2_000);
    const starts = await startTimes(limiter, clock, 3);
    expect(Math.min(...starts) - 1_000_000).toBeGreaterThanOrEqual(2_000);
  });
});
