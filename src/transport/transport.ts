import { Pool, type Dispatcher } from 'undici';
import { NO_HEADERS, type Call, type Handler, type Reply } from '../core/call.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { ClientClosedError, TimeoutError } from '../core/errors.js';
import { DEFAULTS } from '../defaults.js';
import type { Fleet } from '../fleet/fleet.js';
import { AttemptHandler, type AttemptTimeout, type AttemptTimers } from './attempt-handler.js';
import { AttemptTimeouts } from './attempt-timeouts.js';

/** Connection options for the per-endpoint undici pools. */
export interface TransportOptions {
  /** Maximum connections per endpoint; `null` for no limit (undici's default). */
  connections?: number | null;
  /** Idle keep-alive time of a pooled connection (ms; default 4000, undici's). */
  keepAliveTimeout?: number;
  /** HTTP/1.1 pipelining depth per connection (default 1). */
  pipelining?: number;
  /**
   * Time (ms) a closing pool gives its requests in flight, and response bodies not yet read to the
   * end, before it destroys them and their sockets (default 5 000): `close()`, and an endpoint
   * leaving the fleet, take at most this long.
   */
  closeGrace?: number;
}

/** Options for {@link Transport}. */
export interface TransportSettings extends TransportOptions {
  /** The client's service name, for errors. */
  readonly service: string;
  readonly clock: Clock;
  readonly fleet: Fleet;
  /**
   * The attempt timeout (ms) most calls carry (`call.timeout.attempt`, the service's): their timers
   * share one list. Also undici's connect timeout, a backstop behind the attempt timer.
   */
  readonly attemptTimeout: number;
}

/**
 * The terminal handler: one undici `Pool` per endpoint origin, created on first use and closed
 * when the endpoint leaves the fleet.
 *
 * Each attempt is dispatched with an {@link AttemptHandler} (undici's handler API, not
 * `Pool.request`) and gets a timeout on the injected clock, for the smaller of the call's attempt
 * timeout and what remains of its total deadline, covering the wait for a connection, the connect,
 * the send and the wait for response headers ({@link AttemptTimeouts}: one clock timer for all
 * attempts with the attempt timeout; undici's own `headersTimeout` runs on a ~500 ms coarse timer
 * and does not cover the pool queue, so it cannot enforce short timeouts). From the headers on,
 * the call's deadline and its body timeout bound the body (a second list, in deadline order).
 *
 * Closing a pool lets what is in flight finish for `closeGrace` ms, then destroys it: a body the
 * caller never reads cannot hold `close()` forever.
 */
export class Transport {
  readonly #settings: TransportSettings;
  /** The timeout of an attempt that the call's deadline does not cut short. */
  readonly #attemptTimeout: AttemptTimeout;
  readonly #timers: AttemptTimers;
  #closed = false;
  readonly #pools = new Map<string, Pool>();
  readonly #closing = new Set<Promise<void>>();
  #unsubscribe: () => void;

  constructor(settings: TransportSettings) {
    this.#settings = settings;
    this.#attemptTimeout = { delayMs: settings.attemptTimeout, kind: 'attempt', limitMs: settings.attemptTimeout };
    this.#timers = { clock: settings.clock, headers: new AttemptTimeouts(settings.clock, settings.attemptTimeout), bodies: new AttemptTimeouts(settings.clock) };
    this.#unsubscribe = settings.fleet.onChange((change, snapshot) => {
      const live = new Set(snapshot.members.map((m) => m.endpoint.url));
      for (const state of change.removed) {
        if (!live.has(state.endpoint.url)) this.#closePool(state.endpoint.url);
      }
    });
  }

  /** The terminal handler: sends `call` to `call.endpoint`. */
  readonly handler: Handler = (call: Call): Promise<Reply> => {
    const endpoint = call.endpoint;
    if (!endpoint) return Promise.reject(new TypeError('transport reached without an endpoint; the balance layer must run first'));
    // An attempt that a retry or hedge starts while the client closes must not open a new pool.
    if (this.#closed) return Promise.reject(new ClientClosedError(this.#settings.service));
    const caller = call.signal;
    if (caller?.aborted) return Promise.reject(caller.reason);
    const now = this.#settings.clock.now();
    const remaining = call.deadline - now;
    const limits = call.timeout;
    if (remaining <= 0) return Promise.reject(new TimeoutError('total', limits.total));
    const timeout: AttemptTimeout =
      remaining < limits.attempt
        ? { delayMs: remaining, kind: 'total', limitMs: limits.total }
        : limits.attempt === this.#attemptTimeout.delayMs
          ? this.#attemptTimeout
          : { delayMs: limits.attempt, kind: 'attempt', limitMs: limits.attempt };
    const pool = this.#pool(endpoint.endpoint.url);
    return new Promise<Reply>((resolve, reject) => {
      const handler = new AttemptHandler(call, this.#timers, timeout, now, resolve, reject);
      pool.dispatch(
        {
          method: call.method as Dispatcher.HttpMethod,
          path: call.path,
          // Undici scans a header object (its prototype, an iterator, its keys) even when it is empty.
          headers: call.headers === NO_HEADERS ? undefined : call.headers,
          body: call.body as Dispatcher.DispatchOptions['body'],
          idempotent: call.idempotent,
        },
        handler,
      );
    });
  };

  /** Closes every pool; resolves when their sockets are closed. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe();
    for (const origin of [...this.#pools.keys()]) this.#closePool(origin);
    await Promise.all(this.#closing);
    // Every request has settled with its pool; no attempt timer may outlive the client.
    this.#timers.headers.clear();
    this.#timers.bodies.clear();
  }

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      const { connections = null, keepAliveTimeout = 4_000, pipelining = 1, attemptTimeout } = this.#settings;
      pool = new Pool(origin, { connections, keepAliveTimeout, pipelining, connectTimeout: attemptTimeout });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  #closePool(origin: string): void {
    const pool = this.#pools.get(origin);
    if (!pool) return;
    this.#pools.delete(origin);
    // In-flight requests may finish within the grace period; then the pool's sockets close.
    const { clock, closeGrace = DEFAULTS.closeGraceMs } = this.#settings;
    let grace: TimerHandle | undefined = clock.setTimeout(() => {
      grace = undefined;
      pool.destroy().catch(() => {});
    }, closeGrace);
    const done = pool
      .close()
      .catch(() => pool.destroy())
      .then(() => {
        if (grace !== undefined) clock.clearTimeout(grace);
        this.#closing.delete(done);
      });
    this.#closing.add(done);
  }
}
