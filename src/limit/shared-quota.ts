import { hostname } from 'node:os';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ConfigError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import type { QuotaGrant, QuotaStore } from './quota-store.js';
import { TokenBucket } from './token-bucket.js';
import type { TokenSource } from './token-source.js';

/** Options of {@link sharedQuota}. */
export interface SharedQuotaOptions {
  /** Where the processes meet (`redisQuotaStore` from `switchyard/redis`, or `memoryQuotaStore()`). */
  store: QuotaStore;
  /** The quota's name; every process sharing it uses the same one. */
  key: string;
  /** The global quota, tokens per second across every process (> 0). */
  quota: number;
  /** This process's id among those sharing the quota (default: host, pid and a random suffix). */
  client?: string;
  /** How often demand is reported and the share refreshed (ms, default 1 000). */
  intervalMs?: number;
  /** A report slower than this counts as failed (ms, default 250). */
  timeoutMs?: number;
  /** How long the last share is kept without a successful report before falling back to the smaller of it and quota / last known clients (ms, default 3 000). */
  staleAfterMs?: number;
  /** A process silent this long leaves the split; also how long a store that starts the quota afresh (first use, or Redis restarted) only grants what each process already holds (ms, default 3 × `intervalMs`). */
  ttlMs?: number;
  /** Tokens the local bucket holds at most, as ms of the share (default 100). */
  burstMs?: number;
  /** Processes assumed before the store has answered once (default 1: the whole quota). */
  initialClients?: number;
  /** Clock for the local bucket and the report timer (default: the system clock). */
  clock?: Clock;
  /** Random source for the default client id (default: `Math.random`). */
  rng?: Rng;
}

/** Where a {@link SharedQuota}'s share comes from now. */
export type SharedQuotaState = 'starting' | 'live' | 'stale' | 'fallback';

/** A snapshot of a {@link SharedQuota}. */
export interface SharedQuotaStats {
  /** Tokens per second this process may use now. */
  readonly share: number;
  /** `starting` (no answer yet), `live` (fresh share), `stale` (last share kept), `fallback` (the smaller of the last share and quota / last known clients). */
  readonly state: SharedQuotaState;
  /** Clients in the split at the last answer (0 before the first). */
  readonly clients: number;
  /** The demand last reported (tokens per second). */
  readonly demand: number;
  /** Reports that failed or timed out, since the start. */
  readonly failedReports: number;
}

/**
 * A leased token bucket: this process's share of a quota shared across processes. The
 * per-attempt path is a local {@link TokenBucket} whose rate is the share (O(1), no I/O); about
 * once a second the demand seen locally (tokens asked for per second, refused ones included) is
 * reported to the store, which answers with a fresh share in the same round trip (demand-weighted
 * fair share, granted so that the shares in force never sum to more than the quota: see
 * `leaseGrant`). If the store is slow or down, the last share is kept for `staleAfterMs`, then the
 * share falls back to quota / the last known number of processes, or stays lower if it was; when
 * the store comes back empty (Redis restarted), it first grants each process only what it held,
 * for `ttlMs`, while the others reconnect. A call never waits on the store and never gets more
 * than the local share. Pass it as
 * `createClient({ limiter: { source } })`; close it when done.
 *
 * @example
 * import { redisQuotaStore } from 'switchyard/redis';
 * const quota = sharedQuota({ store: redisQuotaStore({ url: 'redis://127.0.0.1:6379' }), key: 'payments', quota: 2_000 });
 * await quota.ready();
 * const payments = createClient({ service: 'payments', endpoints, limiter: { source: quota } });
 *
 * @throws ConfigError naming the option and the bad value
 */
export function sharedQuota(options: SharedQuotaOptions): SharedQuota {
  return new SharedQuota(options);
}

/** See {@link sharedQuota}. */
export class SharedQuota implements TokenSource {
  readonly #store: QuotaStore;
  readonly #key: string;
  readonly #client: string;
  readonly #quota: number;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #staleAfterMs: number;
  readonly #ttlMs: number;
  readonly #burstMs: number;
  readonly #initialClients: number;
  readonly #clock: Clock;
  readonly #bucket: TokenBucket;
  readonly #ready: Promise<void>;
  #markReady: () => void = () => {};
  #share: number;
  #state: SharedQuotaState = 'starting';
  #clients = 0;
  #demand = 0;
  #asked = 0;
  #windowStart: number;
  #lastSuccess: number;
  #failed = 0;
  #reporting = false;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(options: SharedQuotaOptions) {
    const o = readOptions(options, 'sharedQuota', ['store', 'key', 'quota', 'client', 'intervalMs', 'timeoutMs', 'staleAfterMs', 'ttlMs', 'burstMs', 'initialClients', 'clock', 'rng'] as const);
    const store = o.store as QuotaStore | undefined;
    if (typeof store?.report !== 'function' || typeof store.leave !== 'function') throw new ConfigError('sharedQuota.store', o.store, 'a QuotaStore with report() and leave()');
    const d = DEFAULTS.sharedQuota;
    this.#store = store;
    this.#key = stringOption(o.key, 'sharedQuota.key');
    if (o.quota === undefined) throw new ConfigError('sharedQuota.quota', undefined, 'tokens per second > 0');
    this.#quota = numberOption(o.quota, 'sharedQuota.quota', 0);
    if (this.#quota <= 0) throw new ConfigError('sharedQuota.quota', this.#quota, 'tokens per second > 0');
    this.#intervalMs = numberOption(o.intervalMs, 'sharedQuota.intervalMs', d.intervalMs, { min: 1 });
    this.#timeoutMs = numberOption(o.timeoutMs, 'sharedQuota.timeoutMs', Math.min(d.timeoutMs, this.#intervalMs), { min: 1, max: this.#intervalMs });
    this.#staleAfterMs = numberOption(o.staleAfterMs, 'sharedQuota.staleAfterMs', d.staleAfterMs, { min: 0 });
    this.#ttlMs = numberOption(o.ttlMs, 'sharedQuota.ttlMs', 3 * this.#intervalMs, { min: this.#intervalMs });
    this.#burstMs = numberOption(o.burstMs, 'sharedQuota.burstMs', d.burstMs, { min: 0 });
    const initialClients = numberOption(o.initialClients, 'sharedQuota.initialClients', 1, { min: 1, integer: true });
    this.#initialClients = initialClients;
    this.#clock = (o.clock as Clock | undefined) ?? systemClock;
    const rng = (o.rng as Rng | undefined) ?? systemRng;
    this.#client = o.client === undefined ? `${hostname()}:${process.pid}:${Math.floor(rng.next() * 2 ** 32).toString(36)}` : stringOption(o.client, 'sharedQuota.client');
    const now = this.#clock.now();
    this.#share = this.#quota / initialClients;
    this.#bucket = new TokenBucket({ rate: this.#share, burst: this.#burstFor(this.#share) }, now);
    this.#windowStart = now;
    this.#lastSuccess = now;
    this.#ready = new Promise((resolve) => (this.#markReady = resolve));
    this.#report();
  }

  /** This process's id in the split. */
  get client(): string {
    return this.#client;
  }

  /** Resolves once the store has answered the first report, or it failed or timed out. */
  ready(): Promise<void> {
    return this.#ready;
  }

  /** A snapshot: share, state, clients, demand, failed reports. */
  stats(): SharedQuotaStats {
    return { share: this.#share, state: this.#state, clients: this.#clients, demand: this.#demand, failedReports: this.#failed };
  }

  tryAcquire(now: number): boolean {
    this.#asked++;
    return this.#bucket.tryAcquire(now);
  }

  waitTime(now: number): number {
    return this.#bucket.waitTime(now);
  }

  reserve(now: number): number {
    return this.#bucket.reserve(now);
  }

  refund(now: number): void {
    this.#bucket.refund(now);
  }

  /** Stops reporting and leaves the split, so the others get this share at their next report. Does not close the store. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#markReady();
    await this.#withTimeout(this.#store.leave(this.#key, this.#client)).catch(() => {});
  }

  #report(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    this.#timer = this.#clock.setTimeout(() => this.#report(), this.#intervalMs);
    const elapsed = now - this.#windowStart;
    if (elapsed > 0) this.#demand = (this.#asked * 1_000) / elapsed;
    this.#asked = 0;
    this.#windowStart = now;
    // One report at a time: a slow store delays the next report, it does not pile them up. The
    // timeout settles the report, so `#reporting` is cleared within timeoutMs whatever the store does.
    if (this.#reporting) return;
    this.#reporting = true;
    let sent: Promise<QuotaGrant>;
    try {
      sent = this.#store.report({ key: this.#key, client: this.#client, demand: this.#demand, quota: this.#quota, ttlMs: this.#ttlMs, held: this.#share, learnMs: this.#ttlMs });
    } catch (error) {
      sent = Promise.reject(error);
    }
    this.#withTimeout(sent).then(
      (grant) => this.#settle(grant),
      () => this.#settle(undefined),
    );
  }

  /** Applies a report's outcome: a valid grant, or a failure (`undefined`). */
  #settle(grant: QuotaGrant | undefined): void {
    this.#reporting = false;
    if (this.#closed) return;
    if (grant && grant.share >= 0 && grant.clients >= 1) {
      this.#lastSuccess = this.#clock.now();
      this.#clients = grant.clients;
      this.#state = 'live';
      this.#setShare(Math.min(grant.share, this.#quota));
    } else {
      this.#failed++;
      if (this.#clock.now() - this.#lastSuccess >= this.#staleAfterMs) {
        // Never up: a process whose share was below quota / clients keeps it, so the shares in
        // force still sum to at most the quota whichever processes fall back first.
        if (this.#state !== 'fallback') this.#setShare(Math.min(this.#share, this.#quota / (this.#clients || this.#initialClients)));
        this.#state = 'fallback';
      } else if (this.#state === 'live') {
        this.#state = 'stale';
      }
    }
    this.#markReady();
  }

  /** The store's answer, or a rejection once `timeoutMs` has passed (a late answer is then dropped). */
  #withTimeout<T>(pending: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => reject(new Error(`quota store did not answer within ${this.#timeoutMs} ms`)), this.#timeoutMs);
      pending.then(
        (value) => {
          this.#clock.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.#clock.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #setShare(share: number): void {
    this.#share = share;
    this.#bucket.setRate(share, this.#burstFor(share), this.#clock.now());
  }

  #burstFor(share: number): number {
    return Math.max(1, (share * this.#burstMs) / 1_000);
  }
}
