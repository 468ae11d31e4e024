import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions } from '../core/options.js';
import type { TokenSource } from './token-source.js';

/**
 * What {@link bottleneckLease} needs from a Bottleneck limiter (bottleneck 2.x, an optional peer
 * dependency: pass your own `new Bottleneck(...)`; switchyard never loads the package itself).
 */
export interface BottleneckScheduler {
  schedule<R>(options: { weight?: number; priority?: number; expiration?: number }, fn: () => PromiseLike<R>): Promise<R>;
}

/** Options of {@link bottleneckLease}. */
export interface BottleneckLeaseOptions {
  /** Your Bottleneck limiter (local or clustered on Redis); tokens count against its `reservoir` and `maxConcurrent` by weight. */
  limiter: BottleneckScheduler;
  /** Tokens leased at once: the weight of one lease job (integer >= 1, default 50). */
  batch?: number;
  /** A new lease is asked for when the tokens at hand fall to this (integer >= 0, default `batch` / 2). */
  lowWater?: number;
  /** Bottleneck priority of the lease jobs (0-9, default 5, Bottleneck's own default). */
  priority?: number;
  /** After a lease fails, the next one waits this long (ms, default 1 000). */
  retryMs?: number;
  /** Clock of the retry timer (default: the system clock). */
  clock?: Clock;
}

/** A snapshot of a {@link BottleneckLease}. */
export interface BottleneckLeaseStats {
  /** Tokens at hand now. */
  readonly tokens: number;
  /** Leases granted so far, and the tokens they brought. */
  readonly leases: number;
  readonly leasedTokens: number;
  /** Whether a lease is waiting in the limiter now. */
  readonly pending: boolean;
  /** Leases that failed, and the last error (the limiter's rejection). */
  readonly failedLeases: number;
  readonly lastError: unknown;
}

/**
 * Tokens leased in batches from a Bottleneck limiter you already have, as a {@link TokenSource}
 * for `createClient({ limiter: { source } })`. Bottleneck stays off the per-attempt path: each
 * lease is one Bottleneck job of weight `batch`, asked for when the tokens at hand fall to
 * `lowWater`; attempts take tokens at hand synchronously (O(1)) and are refused while none are
 * left, never waiting on the limiter. So a clustered (Redis) limiter costs one round trip per
 * `batch` tokens instead of a few per request, and a local one one job per `batch`.
 *
 * Bottleneck meters leases by weight through `reservoir` and `maxConcurrent`; `minTime` spaces
 * lease jobs, not tokens (a limiter metered by `minTime` alone grants `batch` tokens per
 * `minTime`). At most `lowWater + batch` tokens are at hand, which bounds the burst. Leased
 * tokens are not given back: {@link BottleneckLease.close} stops leasing.
 *
 * @example
 * const limiter = new Bottleneck({ reservoir: 500, reservoirRefreshAmount: 500, reservoirRefreshInterval: 1_000 });
 * const tokens = bottleneckLease({ limiter, batch: 50 });
 * const payments = createClient({ service: 'payments', endpoints, limiter: { source: tokens } });
 *
 * @throws ConfigError naming the option and the bad value
 */
export function bottleneckLease(options: BottleneckLeaseOptions): BottleneckLease {
  return new BottleneckLease(options);
}

/** See {@link bottleneckLease}. */
export class BottleneckLease implements TokenSource {
  readonly #limiter: BottleneckScheduler;
  readonly #batch: number;
  readonly #lowWater: number;
  readonly #priority: number;
  readonly #retryMs: number;
  readonly #clock: Clock;
  #tokens = 0;
  #leases = 0;
  #pending = false;
  #failed = 0;
  #lastError: unknown;
  #retry: TimerHandle | undefined;
  #closed = false;
  #soon = false;
  readonly #firstLease: Promise<void>;
  #markLeased: () => void = () => {};

  constructor(options: BottleneckLeaseOptions) {
    const o = readOptions(options, 'bottleneckLease', ['limiter', 'batch', 'lowWater', 'priority', 'retryMs', 'clock'] as const);
    const limiter = o.limiter as BottleneckScheduler | undefined;
    if (typeof limiter?.schedule !== 'function') throw new ConfigError('bottleneckLease.limiter', o.limiter, 'a Bottleneck limiter (with schedule())');
    this.#limiter = limiter;
    this.#batch = numberOption(o.batch, 'bottleneckLease.batch', 50, { min: 1, integer: true });
    this.#lowWater = numberOption(o.lowWater, 'bottleneckLease.lowWater', Math.floor(this.#batch / 2), { min: 0, integer: true });
    this.#priority = numberOption(o.priority, 'bottleneckLease.priority', 5, { min: 0, max: 9, integer: true });
    this.#retryMs = numberOption(o.retryMs, 'bottleneckLease.retryMs', 1_000, { min: 0 });
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    this.#firstLease = new Promise((resolve) => (this.#markLeased = resolve));
    this.#lease();
  }

  /** Resolves once the first lease was granted or failed (or the lease was closed). */
  ready(): Promise<void> {
    return this.#firstLease;
  }

  /** A snapshot: tokens at hand, leases, failures. */
  stats(): BottleneckLeaseStats {
    return { tokens: this.#tokens, leases: this.#leases, leasedTokens: this.#leases * this.#batch, pending: this.#pending, failedLeases: this.#failed, lastError: this.#lastError };
  }

  tryAcquire(_now: number): boolean {
    if (this.#tokens < 1) {
      this.#leaseSoon();
      return false;
    }
    this.#tokens--;
    if (this.#tokens <= this.#lowWater) this.#leaseSoon();
    return true;
  }

  /** 0 with a token at hand; otherwise `Infinity`: when the limiter grants the next lease is unknown, so a waiting attempt is refused. */
  waitTime(_now: number): number {
    return this.#tokens >= 1 ? 0 : Infinity;
  }

  reserve(now: number): number {
    const wait = this.waitTime(now);
    this.#tokens--;
    return wait;
  }

  refund(_now: number): void {
    this.#tokens++;
  }

  /** Stops leasing (a lease already waiting in the limiter still takes its tokens there). Does not stop the limiter. */
  close(): void {
    this.#closed = true;
    if (this.#retry !== undefined) this.#clock.clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#markLeased();
  }

  /** Leases in a microtask: Bottleneck's `schedule()` builds a job, a promise and events, work the attempt that found the tokens low need not wait for. */
  #leaseSoon(): void {
    if (this.#pending || this.#retry !== undefined || this.#closed || this.#soon) return;
    this.#soon = true;
    queueMicrotask(() => {
      this.#soon = false;
      this.#lease();
    });
  }

  /** Asks the limiter for `batch` tokens, unless a lease is already pending, waiting to retry, or closed. */
  #lease(): void {
    if (this.#pending || this.#retry !== undefined || this.#closed) return;
    this.#pending = true;
    let granted: Promise<unknown>;
    try {
      granted = this.#limiter.schedule({ weight: this.#batch, priority: this.#priority }, () => Promise.resolve());
    } catch (error) {
      granted = Promise.reject(error);
    }
    granted.then(
      () => {
        this.#pending = false;
        this.#leases++;
        this.#tokens += this.#batch;
        this.#markLeased();
        if (this.#tokens <= this.#lowWater) this.#lease();
      },
      (error: unknown) => {
        this.#pending = false;
        this.#failed++;
        this.#lastError = error;
        this.#markLeased();
        if (this.#closed) return;
        this.#retry = this.#clock.setTimeout(() => {
          this.#retry = undefined;
          this.#lease();
        }, this.#retryMs);
      },
    );
  }
}
