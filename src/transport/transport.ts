import type { EventEmitter } from 'node:events';
import { Pool, type Dispatcher } from 'undici';
import type { Call, Handler, Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import type { Fleet } from '../fleet/fleet.js';
import { AttemptSignal } from './attempt-signal.js';

/** Connection options for the per-endpoint undici pools. */
export interface TransportOptions {
  /** Maximum connections per endpoint; `null` for no limit (undici's default). */
  connections?: number | null;
  /** Idle keep-alive time of a pooled connection (ms; default 4000, undici's). */
  keepAliveTimeout?: number;
  /** HTTP/1.1 pipelining depth per connection (default 1). */
  pipelining?: number;
}

/** Options for {@link Transport}. */
export interface TransportSettings extends TransportOptions {
  readonly clock: Clock;
  readonly fleet: Fleet;
  /** Per-attempt timeout (ms): time allowed to connect, and to receive the response headers. */
  readonly attemptTimeout: number;
  /** The call's total timeout (ms), reported when the deadline cut an attempt short. */
  readonly totalTimeout: number;
}

/**
 * The terminal handler: one undici `Pool` per endpoint origin, created on first use and closed
 * when the endpoint leaves the fleet.
 *
 * Each attempt gets one timer on the injected clock, for the smaller of the attempt timeout and
 * what remains of the call's total deadline, covering the wait for a connection, the connect, the
 * send and the wait for response headers. It aborts the request through an {@link AttemptSignal}
 * (a plain object, not an `AbortController`; undici's own `headersTimeout` runs on a ~500 ms
 * coarse timer and does not cover the pool queue, so it cannot enforce short timeouts).
 */
export class Transport {
  readonly #settings: TransportSettings;
  readonly #pools = new Map<string, Pool>();
  readonly #closing = new Set<Promise<void>>();
  #unsubscribe: () => void;

  constructor(settings: TransportSettings) {
    this.#settings = settings;
    this.#unsubscribe = settings.fleet.onChange((change, snapshot) => {
      const live = new Set(snapshot.members.map((m) => m.endpoint.url));
      for (const state of change.removed) {
        if (!live.has(state.endpoint.url)) this.#closePool(state.endpoint.url);
      }
    });
  }

  /** The terminal handler: sends `call` to `call.endpoint`. */
  readonly handler: Handler = async (call: Call): Promise<Reply> => {
    const endpoint = call.endpoint;
    if (!endpoint) throw new TypeError('transport reached without an endpoint; the balance layer must run first');
    const { clock, attemptTimeout, totalTimeout } = this.#settings;
    const remaining = call.deadline - clock.now();
    if (remaining <= 0) throw new TimeoutError('total', totalTimeout);
    const byDeadline = remaining < attemptTimeout;
    const signal = new AttemptSignal(call.signal);
    // One timer covers queueing for a connection, connecting, sending and waiting for headers.
    const timer = clock.setTimeout(
      () => signal.fire(byDeadline ? new TimeoutError('total', totalTimeout) : new TimeoutError('attempt', attemptTimeout)),
      byDeadline ? remaining : attemptTimeout,
    );
    try {
      const data = await this.#pool(endpoint.endpoint.url).request({
        method: call.method as Dispatcher.HttpMethod,
        path: call.path,
        headers: call.headers,
        body: call.body as Dispatcher.DispatchOptions['body'],
        // undici's types ask for a full EventEmitter; it uses only once/on/removeListener and reason.
        signal: signal as unknown as EventEmitter,
        idempotent: call.idempotent,
      });
      return { status: data.statusCode, headers: data.headers, body: data.body, endpoint };
    } catch (error) {
      signal.release();
      throw error;
    } finally {
      clock.clearTimeout(timer);
    }
  };

  /** Closes every pool; resolves when their sockets are closed. */
  async close(): Promise<void> {
    this.#unsubscribe();
    for (const origin of [...this.#pools.keys()]) this.#closePool(origin);
    await Promise.all(this.#closing);
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
    // In-flight requests may finish; then the pool's sockets close.
    const done = pool.close().catch(() => pool.destroy()).then(() => {
      this.#closing.delete(done);
    });
    this.#closing.add(done);
  }
}
