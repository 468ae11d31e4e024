import type { Middleware } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/**
 * The `tried` set the retry layer gives each attempt (the ids of endpoints the call already
 * tried), which also records where the attempt itself went, so a retry or a hedge can prefer an
 * endpoint not tried yet even when the attempt failed with an error (a reply names its endpoint,
 * an error does not), and whether its request left at all, so a call that may not be repeated can
 * still be retried when it provably never did. The retry layer creates one per attempt and is its
 * only reader; only {@link pickLogLayer} writes `picked`, only the transport writes `written`.
 */
export class AttemptTried extends Set<string> {
  /** The endpoint the attempt was sent to, once the balance layer has picked it. */
  picked: EndpointState | undefined = undefined;
  /**
   * Whether the transport began writing the request to a connection (undici's `onRequestStart`,
   * called just before the first byte is written). False after a refused or failed connect, a
   * wait in the pool's queue cut short, an open circuit: the server cannot have seen the request.
   */
  written = false;

  /** @param tried - the ids tried before this attempt (copied) */
  constructor(tried: ReadonlySet<string>) {
    // A first attempt has nothing tried: an empty set is made three times faster without the
    // iterator protocol `new Set(iterable)` goes through even for an empty iterable.
    super(tried.size === 0 ? undefined : tried);
  }
}

/**
 * Placed just below the balance layer: records `call.endpoint` on an attempt's
 * {@link AttemptTried} set (every layer in between passes `tried` through unchanged).
 */
export const pickLogLayer: Middleware = (call, next) => {
  if (call.tried instanceof AttemptTried) call.tried.picked = call.endpoint;
  return next(call);
};
