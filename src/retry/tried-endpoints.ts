import type { AttemptListener, Call } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/**
 * The endpoints one logical call's attempts went to: the retry layer gives it to each attempt as
 * `call.listener`, which the completion seam tells when the attempt is picked onto an endpoint,
 * and gives each attempt a copy as its `call.tried` (what the balance layer prefers to avoid). So
 * a retry or a hedge avoids every endpoint tried so far, even one whose attempt failed with an
 * error (a reply names its endpoint, an error does not) or is still in flight. A listener an outer
 * layer gave the call is told too.
 */
export class TriedEndpoints extends Set<string> implements AttemptListener {
  readonly #outer: AttemptListener | undefined;

  /** @param call - the logical call: its `tried` ids are copied, its listener kept */
  constructor(call: Call) {
    // A first attempt has nothing tried: an empty set is made three times faster without the
    // iterator protocol `new Set(iterable)` goes through even for an empty iterable.
    super(call.tried.size === 0 ? undefined : call.tried);
    this.#outer = call.listener;
  }

  attemptPicked(endpoint: EndpointState): void {
    this.add(endpoint.id);
    this.#outer?.attemptPicked(endpoint);
  }
}
