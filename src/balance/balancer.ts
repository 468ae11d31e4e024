import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { FleetSnapshot } from '../fleet/fleet.js';

/** What a balancer gets from the client: the injected clock and RNG. */
export interface BalancerContext {
  readonly clock: Clock;
  readonly rng: Rng;
  /**
   * Aborted when the picker being built is no longer wanted (a newer membership arrived, or the
   * client closed): a build that runs in chunks stops at its next chunk and rejects.
   */
  readonly signal?: AbortSignal;
}

/**
 * Chooses one endpoint per attempt over one membership snapshot. A picker reads endpoint state
 * (health first, then load) and never writes it; a cursor (round-robin, EDF) may live inside it.
 */
export interface Picker {
  /**
   * Returns an available endpoint for `call`, or `undefined` when none is available.
   * Ejected endpoints (`state.available === false`) are skipped.
   *
   * @param now - the attempt's time on the client clock (ms). The balance layer reads the clock
   *   once per attempt (it needs the time to measure latency anyway) and passes it, so pickers that
   *   depend on time (slow start, latency decay, server back-off) do not read it again: a clock
   *   read costs about as much as a whole pick. Pickers called without it read `context.clock`.
   */
  pick(call: Call, now?: number): EndpointState | undefined;
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
