import type { Call } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { Balancer, Picker } from './balancer.js';

/**
 * Round-robin: each pick takes the next available member in discovery order. Ejected members are
 * skipped without disturbing the order of the rest. O(1) per pick while members are available.
 */
export function roundRobin(): Balancer {
  return {
    name: 'round-robin',
    build(snapshot) {
      return new RoundRobinPicker(snapshot.members);
    },
  };
}

class RoundRobinPicker implements Picker {
  readonly #members: readonly EndpointState[];
  #cursor = 0;

  constructor(members: readonly EndpointState[]) {
    this.#members = members;
  }

  pick(_call: Call): EndpointState | undefined {
    const members = this.#members;
    const n = members.length;
    for (let i = 0; i < n; i++) {
      const state = members[this.#cursor]!;
      this.#cursor = this.#cursor + 1 === n ? 0 : this.#cursor + 1;
      if (state.available) return state;
    }
    return undefined;
  }
}
