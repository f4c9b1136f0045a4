/**
 * The process-wide request limiter: at most `ratePerSecond` requests start per second (a token bucket with
 * a one-request burst, so requests are spread evenly) and at most `maxInFlight` run at once, across every
 * resource syncing in the process. `pauseFor` holds every caller back, e.g. after a 429 with Retry-After,
 * so one throttled resource slows the whole process instead of the others hammering on.
 */

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** Date.now() and setTimeout count whole milliseconds. */
const CLOCK_RESOLUTION_MS = 1;

/**
 * A second's worth of requests is spread over this much more than a second. A server that counts requests
 * per second sees them when they arrive, and arrivals jitter by a few milliseconds (the first request on a
 * connection also opens it), so requests spaced exactly 1/rate apart can put rate + 1 of them into one of
 * its seconds. Also covers a request started early because its wait was under the clock's resolution.
 */
const SECOND_MARGIN_MS = 10;

export interface LimiterOptions {
  ratePerSecond: number;
  maxInFlight: number;
  clock?: Clock;
}

export class RequestLimiter {
  private readonly intervalMs: number;
  private readonly maxInFlight: number;
  private readonly clock: Clock;
  private nextStartAt = 0;
  private pausedUntil = 0;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: LimiterOptions) {
    this.intervalMs = (1000 + SECOND_MARGIN_MS) / options.ratePerSecond;
    this.maxInFlight = options.maxInFlight;
    this.clock = options.clock ?? realClock;
  }

  /** Holds every request back until `ms` from now (never shortens an existing pause). */
  pauseFor(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock.now() + ms);
  }

  /** Runs `task` when a slot and a start time are free. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquireSlot(signal);
    try {
      // Reserve a start time first, then wait for it: concurrent callers get distinct, spaced times.
      for (;;) {
        const now = this.clock.now();
        const startAt = Math.max(now, this.nextStartAt, this.pausedUntil);
        // A wait shorter than the clock's and the timer's 1 ms resolution is not waited out: the timer
        // would round it up to a whole millisecond, capping every rate at about 1000 requests/s.
        // Start times still advance by the interval, so the rate holds on average.
        if (startAt - now < CLOCK_RESOLUTION_MS) {
          this.nextStartAt = startAt + this.intervalMs;
          break;
        }
        this.nextStartAt = Math.max(this.nextStartAt, startAt);
        await this.clock.sleep(startAt - now, signal);
      }
      return await task();
    } finally {
      this.releaseSlot();
    }
  }

  private async acquireSlot(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}
