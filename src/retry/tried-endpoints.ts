import type { AttemptListener, Call } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';

/**
 * The endpoints one logical call's attempts went to: the retry layer gives it to each attempt as
 * `call.listener`, which the completion seam tells when the attempt is picked onto an endpoint,
 * and gives each attempt a copy as its `call.tried` (what the balance layer prefers to avoid). So
 * a retry or a hedge avoids every endpoint tried so far, even one whose attempt failed with an
 * error (a reply names its endpoint, an error does not) or is still in flight. It also notes
 * whether the request of the attempt picked last began to be written, so a call that may not be
 * repeated can still be retried when its request provably never left. A listener an outer layer
 * gave the call is told too.
 */
export class TriedEndpoints extends Set<string> implements AttemptListener {
  readonly #outer: AttemptListener | undefined;
  #lastWritten = false;

  /** @param call - the logical call: its `tried` ids are copied, its listener kept */
  constructor(call: Call) {
    // A first attempt has nothing tried: an empty set is made three times faster without the
    // iterator protocol `new Set(iterable)` goes through even for an empty iterable.
    super(call.tried.size === 0 ? undefined : call.tried);
    this.#outer = call.listener;
  }

  /**
   * Whether the transport began writing the request of the attempt picked last. Meaningful for
   * attempts made one after another (a hedged call's overlap).
   */
  get lastWritten(): boolean {
    return this.#lastWritten;
  }

  attemptPicked(endpoint: EndpointState): void {
    this.add(endpoint.id);
    this.#lastWritten = false;
    this.#outer?.attemptPicked(endpoint);
  }

  requestWritten(endpoint: EndpointState): void {
    this.#lastWritten = true;
    this.#outer?.requestWritten?.(endpoint);
  }
}
