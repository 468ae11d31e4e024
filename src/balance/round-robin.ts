import type { Call } from '../core/call.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { Balancer, Picker } from './balancer.js';

/**
 * Round-robin: each pick takes the next available member in discovery order. Ejected members are
 * skipped without disturbing the order of the rest, and so are members a retry has already tried
 * while an untried one is available. O(1) per pick while members are available.
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

  pick(call: Call): EndpointState | undefined {
    const members = this.#members;
    const n = members.length;
    const tried = call.tried;
    if (tried.size !== 0) {
      // A retry: the next available member it has not tried, else any available one.
      for (let i = 0, at = this.#cursor; i < n; i++) {
        const state = members[at]!;
        at = at + 1 === n ? 0 : at + 1;
        if (state.available && !tried.has(state.id)) {
          this.#cursor = at;
          return state;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      const state = members[this.#cursor]!;
      this.#cursor = this.#cursor + 1 === n ? 0 : this.#cursor + 1;
      if (state.available) return state;
    }
    return undefined;
  }
}
