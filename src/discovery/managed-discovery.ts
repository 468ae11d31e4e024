import { sleep, systemClock, type Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { readOptions, stringOption } from '../core/options.js';
import { systemRng, type Rng } from '../core/rng.js';
import { sameDescription, toEndpoint, type Endpoint, type EndpointInput } from '../fleet/endpoint.js';
import { boundedCall } from './bounded-call.js';
import type { Discovery, DiscoveryListener, DiscoveryStatus } from './discovery.js';
import { parseSessionBackoff, SessionLoop, type SessionBackoff } from './session-loop.js';

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
  const backoff = parseSessionBackoff(o.backoff, 'backoff');
  return new ManagedProvider(name, o.run as DiscoveryBaseOptions['run'], backoff, (o.clock as Clock | undefined) ?? systemClock, (o.rng as Rng | undefined) ?? systemRng);
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

class ManagedProvider implements ManagedDiscovery {
  readonly #name: string;
  readonly #clock: Clock;
  readonly #rng: Rng;
  readonly #listeners = new Set<DiscoveryListener>();
  readonly #loop: SessionLoop;
  /** The registry's view by key: the last good set's entries, or what a session has put since. */
  #entries = new Map<string, Endpoint>();
  #current: readonly Endpoint[] = EMPTY;
  #state: DiscoveryStatus['state'] = 'starting';
  #failures = 0;
  #failingSince = 0;
  #lastError: unknown;
  #ready: { promise: Promise<void>; resolve: () => void } | undefined;
  #settled = false;

  constructor(name: string, run: DiscoveryBaseOptions['run'], backoff: SessionBackoff, clock: Clock, rng: Rng) {
    this.#name = name;
    this.#clock = clock;
    this.#rng = rng;
    this.#loop = new SessionLoop({ run: () => run(this.#session()), onFailure: (error) => this.#fail(error), backoff, clock, rng });
  }

  current(): readonly Endpoint[] {
    return this.#current;
  }

  subscribe(listener: DiscoveryListener): () => void {
    if (this.#loop.signal.aborted) return () => {};
    this.#listeners.add(listener);
    if (this.#current.length > 0) listener.update(this.#current);
    this.#loop.start();
    return () => this.#listeners.delete(listener);
  }

  ready(): Promise<void> {
    this.#loop.start();
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
    this.#listeners.clear();
    this.#settle();
    await this.#loop.close(new DiscoveryError(this.#name, 'closed'));
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

  #session(): DiscoverySession {
    const signal = this.#loop.signal;
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
      within: (what, timeoutMs, task) => boundedCall(this.#clock, signal, timeoutMs, () => new DiscoveryError(this.#name, `${what} did not finish within ${timeoutMs} ms`), task),
    };
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
    this.#loop.reset();
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
