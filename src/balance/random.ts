import type { Call } from '../core/call.js';
import type { Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import { randomAvailable, randomUntried } from './available.js';
import type { Balancer, Picker } from './balancer.js';

/**
 * Random: each pick takes a uniformly random available member, ignoring weights and load (as
 * Envoy's `RANDOM` policy); a retry takes a random one among those it has not tried, while there is
 * one. O(1) per pick while most members are available. Over many clients it
 * spreads load as evenly as round-robin without any coordination; it is the baseline that the
 * power of two choices improves on.
 */
export function random(): Balancer {
  return {
    name: 'random',
    build(snapshot, { rng }) {
      return new RandomPicker(snapshot, rng);
    },
  };
}

class RandomPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  readonly #rng: Rng;

  constructor(snapshot: FleetSnapshot, rng: Rng) {
    this.#snapshot = snapshot;
    this.#rng = rng;
  }

  pick(call: Call): EndpointState | undefined {
    if (call.tried.size !== 0) return randomUntried(this.#snapshot, call.tried, this.#rng) ?? randomAvailable(this.#snapshot, this.#rng);
    return randomAvailable(this.#snapshot, this.#rng);
  }
}
