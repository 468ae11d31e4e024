import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import type { Call, Handler, Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import type { Fleet } from '../fleet/fleet.js';

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
 * Timeouts use undici's per-request `headersTimeout` and `bodyTimeout` and the pool's connect
 * timeout rather than an `AbortController` per request, which keeps allocation off the fast path
 * (measured in `npm run bench:overhead`). The attempt's limit is the smaller of the attempt
 * timeout and what remains of the call's total deadline, so the deadline bounds every attempt.
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
    const { clock, attemptTimeout } = this.#settings;
    const remaining = call.deadline - clock.now();
    const byDeadline = remaining < attemptTimeout;
    const limit = byDeadline ? remaining : attemptTimeout;
    if (limit <= 0) throw new TimeoutError('total', this.#settings.totalTimeout);
    const pool = this.#pool(endpoint.endpoint.url);
    let data: Dispatcher.ResponseData;
    try {
      data = await pool.request({
        method: call.method as Dispatcher.HttpMethod,
        path: call.path,
        headers: call.headers,
        body: call.body as Dispatcher.DispatchOptions['body'],
        signal: call.signal ?? null,
        headersTimeout: Math.max(1, Math.ceil(limit)),
        idempotent: call.idempotent,
      });
    } catch (error) {
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
        throw byDeadline
          ? new TimeoutError('total', this.#settings.totalTimeout, { cause: error })
          : new TimeoutError('attempt', attemptTimeout, { cause: error });
      }
      throw error;
    }
    return { status: data.statusCode, headers: data.headers, body: data.body, endpoint };
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
