import type { Balancer, Picker } from '../../src/balance/balancer.js';
import type { Call } from '../../src/core/call.js';
import type { Clock } from '../../src/core/clock.js';
import { randomInt, type Rng } from '../../src/core/rng.js';
import type { EndpointState } from '../../src/fleet/endpoint-state.js';
import type { SimBackend } from './sim-backend.js';

/**
 * The oracle: a simulator-only strategy that sees every backend's true queue and sends each request
 * where it is expected to finish first: the wait for a free server plus the backend's mean service
 * time at that moment (least work left, the limit no real balancer can beat on information), divided
 * by the share of requests the backend would serve rather than fail. The scan starts at a random
 * member, keeps the first of equal costs, and stops early at an idle backend that costs the least
 * any backend can, so ties go to a random member and large fleets stay fast. It is a
 * {@link Balancer}, so the simulator drives it exactly like the real ones.
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
  /** No member can cost less than this. */
  readonly #floor: number;

  constructor(members: readonly EndpointState[], backends: ReadonlyMap<string, SimBackend>, clock: Clock, rng: Rng) {
    this.#members = members;
    this.#backends = members.map((m) => {
      const b = backends.get(m.id);
      if (!b) throw new Error(`oracle: no simulated backend for endpoint ${m.id}`);
      return b;
    });
    this.#floor = Math.min(...this.#backends.map((b) => b.behaviour.bestCost));
    this.#clock = clock;
    this.#rng = rng;
  }

  pick(_call: Call, now = this.#clock.now()): EndpointState | undefined {
    const members = this.#members;
    const n = members.length;
    const offset = randomInt(this.#rng, n);
    let best: EndpointState | undefined;
    let bestCost = Infinity;
    for (let k = 0; k < n; k++) {
      const i = offset + k < n ? offset + k : offset + k - n;
      const member = members[i]!;
      if (!member.available) continue;
      const cost = this.#backends[i]!.expectedCost(now);
      if (cost < bestCost || best === undefined) {
        best = member;
        bestCost = cost;
        if (cost <= this.#floor) break;
      }
    }
    return best;
  }
}
