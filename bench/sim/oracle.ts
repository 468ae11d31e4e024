import type { Balancer, Picker } from '../../src/balance/balancer.js';
import type { Clock } from '../../src/core/clock.js';
import type { Rng } from '../../src/core/rng.js';
import type { EndpointState } from '../../src/fleet/endpoint-state.js';
import type { SimBackend } from './sim-backend.js';

/**
 * The oracle: a simulator-only strategy that sees every backend's true queue and sends each request
 * where it is expected to finish first, the wait for a free server plus the backend's mean service
 * time at that moment (least work left, the limit no real balancer can beat on information),
 * divided by the share of requests the backend would serve rather than fail. Ties are broken at
 * random. It is a {@link Balancer}, so the simulator drives it exactly like the real ones.
 *
 * @param backends - the simulated backend behind each endpoint id
 */
export function oracle(backends: ReadonlyMap<string, SimBackend>): Balancer {
  return {
    name: 'oracle',
    build(snapshot, { clock, rng }) {
      return new OraclePicker(snapshot.members, backends, clock, rng);
    },
  };
}

class OraclePicker implements Picker {
  readonly #members: readonly EndpointState[];
  readonly #backends: readonly SimBackend[];
  readonly #clock: Clock;
  readonly #rng: Rng;

  constructor(members: readonly EndpointState[], backends: ReadonlyMap<string, SimBackend>, clock: Clock, rng: Rng) {
    this.#members = members;
    this.#backends = members.map((m) => {
      const b = backends.get(m.id);
      if (!b) throw new Error(`oracle: no simulated backend for endpoint ${m.id}`);
      return b;
    });
    this.#clock = clock;
    this.#rng = rng;
  }

  pick(): EndpointState | undefined {
    const now = this.#clock.now();
    let best: EndpointState | undefined;
    let bestCost = Infinity;
    let ties = 0;
    for (let i = 0; i < this.#members.length; i++) {
      const member = this.#members[i]!;
      if (!member.available) continue;
      const backend = this.#backends[i]!;
      const wait = backend.waitAt(now);
      const served = 1 - backend.behaviour.failureShare(now);
      const cost = served <= 0 ? Infinity : (wait + backend.behaviour.meanServiceMs(now + wait)) / served;
      if (cost < bestCost) {
        best = member;
        bestCost = cost;
        ties = 1;
      } else if (cost === bestCost && this.#rng.next() * ++ties < 1) {
        // Reservoir sampling: each of the tied members is kept with equal probability.
        best = member;
      }
    }
    return best ?? this.#members.find((m) => m.available);
  }
}
