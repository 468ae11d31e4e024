import type { Middleware } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/**
 * Which endpoint each attempt went to, so a retry or a hedge can prefer one not tried yet even
 * when the attempt failed with an error (a reply names its endpoint, an error does not).
 *
 * The retry layer registers a fresh `tried` set per attempt with {@link PickLog.track}; the
 * {@link PickLog.middleware}, placed just below the balance layer, records the pick under that
 * set, which every layer in between passes through unchanged. Entries are weak: they go with the
 * attempt. One log per client.
 */
export class PickLog {
  readonly #picks = new WeakMap<ReadonlySet<string>, EndpointState | undefined>();

  /** Registers `tried` (a new set per attempt) and returns it. */
  track(tried: ReadonlySet<string>): ReadonlySet<string> {
    this.#picks.set(tried, undefined);
    return tried;
  }

  /** The endpoint the attempt registered with `tried` went to, once it has been picked. */
  endpointOf(tried: ReadonlySet<string>): EndpointState | undefined {
    return this.#picks.get(tried);
  }

  /** Records `call.endpoint` for attempts registered with {@link PickLog.track}. */
  readonly middleware: Middleware = (call, next) => {
    if (this.#picks.has(call.tried)) this.#picks.set(call.tried, call.endpoint);
    return next(call);
  };
}
