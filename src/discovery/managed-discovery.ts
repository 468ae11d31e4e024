import { sleep, systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { numberOption, readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { sameDescription, toEndpoint, type Endpoint, type EndpointInput } from '../fleet/endpoint.js';
import type { Discovery, DiscoveryListener, DiscoveryStatus } from './discovery.js';

/**
 * What a provider's session uses to report its registry's view. A session is one connection to
 * the registry: a poll loop, or a list followed by a watch. The base keeps the endpoint set by
 * key (a registry key, an instance id, a record); every change publishes a full snapshot.
 */
export interface DiscoverySession {
  /** Aborted when the provider closes; every await of the session should take it. */
  readonly signal: AbortSignal;
  /** The provider's clock. */
  readonly clock: Clock;
  /** The provider's random source. */
  readonly rng: Rng;
  /**
   * Replaces the whole set (a fresh list or poll result). Keys must be unique; a plain array is
   * keyed by position. Confirms the set fresh, resets the backoff, and publishes when it changed.
   */
  replace(entries: readonly EndpointInput[] | Iterable<readonly [key: string, endpoint: EndpointInput]>): void;
  /** Adds or replaces the endpoint at `key` (a watch event) and publishes. */
  put(key: string, endpoint: EndpointInput): void;
  /** Removes the endpoint at `key` (a watch event) and publishes. */
  remove(key: string): void;
  /** Confirms the set fresh without changing it (a watch reconnected and resumed). */
  confirm(): void;
  /** Reports a problem the session survives (a lost connection the client library retries): the set turns stale. */
  error(error: unknown): void;
  /** Waits `ms` on the provider's clock; rejects when the provider closes. */
  sleep(ms: number): Promise<void>;
  /**
   * Runs `task` with a signal that aborts after `timeoutMs` (or when the provider closes) and
   * rejects with a `DiscoveryError` naming `what` if it has not settled by then, for client calls
   * that can hang while a registry is down.
   */
  within<T>(what: string, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/** Options of {@link createDiscovery}. */
export interface DiscoveryBaseOptions {
  /** The provider's name in errors (`dns _http._tcp.payments`, `etcd /services/payments/`). */
  name: string;
  /**
   * One session with the registry. It reports through `session` and settles when the session ends:
   * rejecting is a failure (reported, then retried after a backoff), resolving is a normal end
   * (restarted after the first backoff step). The last good set is kept across sessions, and a new
   * session starts from it, so a resumed watch may go on with `put`/`remove`; a re-list calls `replace`.
   */
  run: (session: DiscoverySession) => Promise<void>;
  /**
   * Backoff (ms) between failed sessions: equal jitter, the n-th failure in a row waits a uniform
   * time in `[c/2, c)` with `c = min(maxMs, initialMs × 2^n)` (defaults 500 and 30 000).
   */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Clock for backoff and staleness (default: the system clock). */
  clock?: Clock;
  /** Random source of the jitter (default: `Math.random`). */
  rng?: Rng;
}

/** A provider built on {@link createDiscovery}. */
export interface ManagedDiscovery extends Discovery {
  status(): DiscoveryStatus;
}

/**
 * The shared base of discovery providers. It runs the provider's sessions one at a time, keeps
 * the last good set through every failure (a registry that is down, errs, or answers with no
 * endpoint never empties the fleet), validates each entry (an invalid one is reported and left
 * out), restarts failed sessions with jittered exponential backoff, and reports errors and
 * recovery to its listeners, which the mesh turns into `discovery-error` and
 * `discovery-recovered` events. Sessions start on the first `subscribe()` or `ready()`.
 *
 * A poll-style provider loops `replace(await poll()); await session.sleep(ttl)` (see
 * `pollingDiscovery`); a watch-style one lists, calls `replace`, then `put`/`remove` per event,
 * and rejects when its watch fails.
 *
 * @example
 * const discovery = createDiscovery({
 *   name: 'registry payments',
 *   async run(session) {
 *     for (;;) {
 *       session.replace(await fetchInstances(session.signal));
 *       await session.sleep(5_000);
 *     }
 *   },
 * });
 */
export function createDiscovery(options: DiscoveryBaseOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['name', 'run', 'backoff', 'clock', 'rng'] as const);
  const name = stringOption(o.name, 'name');
  if (typeof o.run !== 'function') throw new ConfigError('run', o.run, 'a function (session) => Promise<void>');
  const b = readOptions(o.backoff ?? {}, 'backoff', ['initialMs', 'maxMs'] as const);
  const initialMs = numberOption(b.initialMs, 'backoff.initialMs', DEFAULTS.discovery.backoff.initialMs, { min: 1 });
  const maxMs = numberOption(b.maxMs, 'backoff.maxMs', Math.max(initialMs, DEFAULTS.discovery.backoff.maxMs), { min: initialMs });
  return new ManagedProvider(name, o.run as DiscoveryBaseOptions['run'], { initialMs, maxMs }, (o.clock as Clock | undefined) ?? systemClock, (o.rng as Rng | undefined) ?? systemRng);
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

class ManagedProvider implements ManagedDiscovery {
  readonly #name: string;
  readonly #run: DiscoveryBaseOptions['run'];
  readonly #backoff: { initialMs: number; maxMs: number };
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #listeners = new Set<DiscoveryListener>();
  readonly #abort = new AbortController();
  /** The registry's view by key: the last good set's entries, or what a session has put since. */
  #entries = new Map<string, Endpoint>();
  #current: readonly Endpoint[] = EMPTY;
  #state: DiscoveryStatus['state'] = 'starting';
  #failures = 0;
  #failingSince = 0;
  #lastError: unknown;
  #loop: Promise<void> | undefined;
  #timer: TimerHandle | undefined;
  #ready: { promise: Promise<void>; resolve: () => void } | undefined;
  #settled = false;

  constructor(name: string, run: DiscoveryBaseOptions['run'], backoff: { initialMs: number; maxMs: number }, clock: Clock, rng: Rng) {
    this.#name = name;
    this.#run = run;
    this.#backoff = backoff;
    this.#clock = clock;
    this.#rng = rng;
  }

  current(): readonly Endpoint[] {
    return this.#current;
  }

  subscribe(listener: DiscoveryListener): () => void {
    if (this.#abort.signal.aborted) return () => {};
    this.#listeners.add(listener);
    if (this.#current.length > 0) listener.update(this.#current);
    this.#start();
    return () => this.#listeners.delete(listener);
  }

  ready(): Promise<void> {
    this.#start();
    return this.#readiness().promise;
  }

  status(): DiscoveryStatus {
    const stale = this.#state === 'stale';
    return {
      endpoints: this.#current.length,
      state: this.#state,
      staleForMs: stale ? this.#clock.now() - this.#failingSince : 0,
      failures: this.#failures,
      lastError: this.#failures > 0 ? this.#lastError : undefined,
    };
  }

  async close(): Promise<void> {
    if (!this.#abort.signal.aborted) this.#abort.abort(new DiscoveryError(this.#name, 'closed'));
    this.#listeners.clear();
    this.#settle();
    await this.#loop;
  }

  #readiness(): { promise: Promise<void>; resolve: () => void } {
    if (!this.#ready) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#ready = { promise, resolve };
      if (this.#settled) resolve();
    }
    return this.#ready;
  }

  #settle(): void {
    this.#settled = true;
    this.#ready?.resolve();
  }

  #start(): void {
    if (this.#loop || this.#abort.signal.aborted) return;
    this.#loop = this.#sessions();
  }

  /** Runs sessions one after another until close, waiting a backoff after each. */
  async #sessions(): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      let failed = false;
      try {
        await this.#run(this.#session());
      } catch (error) {
        if (signal.aborted) break;
        failed = true;
        this.#fail(error);
      }
      if (signal.aborted) break;
      await this.#wait(this.#delay(failed ? this.#failures - 1 : 0));
    }
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.#abort.signal;
      const done = (): void => {
        signal.removeEventListener('abort', done);
        if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      this.#timer = this.#clock.setTimeout(done, ms);
    });
  }

  /** Equal jitter ("Exponential Backoff And Jitter", Brooker, 2015): never zero, so a failing registry is not hammered. */
  #delay(retry: number): number {
    const ceiling = Math.min(this.#backoff.maxMs, this.#backoff.initialMs * 2 ** Math.min(retry, 30));
    return Math.floor(ceiling / 2 + (this.#rng.next() * ceiling) / 2);
  }

  #session(): DiscoverySession {
    const signal = this.#abort.signal;
    const live = (): boolean => !signal.aborted;
    return {
      signal,
      clock: this.#clock,
      rng: this.#rng,
      replace: (entries) => {
        if (!live()) return;
        const next = new Map<string, Endpoint>();
        let i = 0;
        for (const entry of entries as Iterable<EndpointInput | readonly [string, EndpointInput]>) {
          const [key, input] = Array.isArray(entry) ? (entry as readonly [string, EndpointInput]) : [String(i), entry as EndpointInput];
          i++;
          const endpoint = this.#validate(key, input);
          if (endpoint) next.set(key, endpoint);
        }
        this.#entries = next;
        this.#publish(true);
      },
      put: (key, input) => {
        if (!live()) return;
        const endpoint = this.#validate(key, input);
        if (!endpoint) return;
        this.#entries.set(key, endpoint);
        this.#publish(true);
      },
      remove: (key) => {
        if (!live() || !this.#entries.delete(key)) return;
        this.#publish(true);
      },
      confirm: () => {
        if (live()) this.#fresh();
      },
      error: (error) => {
        if (live()) this.#fail(error);
      },
      sleep: (ms) => sleep(this.#clock, ms, signal),
      within: (what, timeoutMs, task) => this.#within(what, timeoutMs, task),
    };
  }

  #within<T>(what: string, timeoutMs: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const outer = this.#abort.signal;
    if (outer.aborted) return Promise.reject(outer.reason);
    const inner = new AbortController();
    return new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        this.#clock.clearTimeout(timer);
        outer.removeEventListener('abort', onClose);
      };
      const onClose = (): void => {
        finish();
        inner.abort(outer.reason);
        reject(outer.reason);
      };
      const timer = this.#clock.setTimeout(() => {
        outer.removeEventListener('abort', onClose);
        const error = new DiscoveryError(this.#name, `${what} did not finish within ${timeoutMs} ms`);
        inner.abort(error);
        reject(error);
      }, timeoutMs);
      outer.addEventListener('abort', onClose, { once: true });
      task(inner.signal).then(
        (value) => {
          finish();
          resolve(value);
        },
        (error: unknown) => {
          finish();
          reject(error);
        },
      );
    });
  }

  /** A valid endpoint, or undefined after reporting why `input` is not one. */
  #validate(key: string, input: EndpointInput): Endpoint | undefined {
    try {
      return toEndpoint(input, `${this.#name}[${JSON.stringify(key)}]`);
    } catch (error) {
      this.#report(error);
      return undefined;
    }
  }

  /** Publishes the entries as the new set, unless they are empty (then the last good set stays and it is a failure). */
  #publish(confirmed: boolean): void {
    if (this.#entries.size === 0) {
      this.#fail(new DiscoveryError(this.#name, `the registry lists no valid endpoint; keeping the last good set of ${this.#current.length}`));
      return;
    }
    const next = Object.freeze([...this.#entries.values()]);
    const changed = !sameEndpoints(next, this.#current);
    if (changed) this.#current = next;
    if (confirmed) this.#fresh();
    if (changed) for (const listener of this.#listeners) listener.update(next);
    this.#settle();
  }

  #fresh(): void {
    if (this.#current.length === 0) return;
    const wasStale = this.#state === 'stale';
    const staleForMs = this.#clock.now() - this.#failingSince;
    this.#state = 'fresh';
    this.#failures = 0;
    this.#lastError = undefined;
    if (wasStale) for (const listener of this.#listeners) listener.recovered?.(staleForMs);
  }

  #fail(error: unknown): void {
    if (this.#state !== 'stale') this.#failingSince = this.#clock.now();
    if (this.#current.length > 0) this.#state = 'stale';
    this.#failures++;
    this.#lastError = error;
    this.#report(error);
    this.#settle();
  }

  #report(error: unknown): void {
    const wrapped = error instanceof DiscoveryError || error instanceof ConfigError ? error : new DiscoveryError(this.#name, errorText(error), { cause: error });
    for (const listener of this.#listeners) listener.error(wrapped);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

function sameEndpoints(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((x, i) => x.id === b[i]!.id && sameDescription(x, b[i]!));
}
