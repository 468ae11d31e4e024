import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { FleetSnapshot } from '../fleet/fleet.js';

/** What a balancer gets from the client: the injected clock and RNG. */
export interface BalancerContext {
  readonly clock: Clock;
  readonly rng: Rng;
}

/**
 * Chooses one endpoint per attempt over one membership snapshot. A picker reads endpoint state
 * (health first, then load) and never writes it; a cursor (round-robin, EDF) may live inside it.
 */
export interface Picker {
  /**
   * Returns an available endpoint for `call`, or `undefined` when none is available.
   * Ejected endpoints (`state.available === false`) are skipped.
   */
  pick(call: Call): EndpointState | undefined;
}

/**
 * A load-balancing strategy. `build` is called on membership change only; it may return a
 * promise for large fleets (built in chunks off the hot path), in which case the balance layer
 * keeps serving with the previous picker until the new one is ready.
 *
 * Pass one to `createClient({ balancer })` to use a custom strategy.
 */
export interface Balancer {
  /** A short name for stats and spans. */
  readonly name: string;
  /** Builds the picker for `snapshot`. */
  build(snapshot: FleetSnapshot, context: BalancerContext): Picker | Promise<Picker>;
}
