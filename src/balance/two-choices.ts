import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { randomAvailable } from './available.js';
import type { Picker } from './balancer.js';
import { EffectiveWeights } from './effective-weights.js';
import { isBackingOff, type LoadMetric } from './load.js';
import type { WeightedSettings } from './balancer-options.js';

/** Pairs sampled before giving up on finding an available one (Finagle's `maxEffort` default). */
const MAX_EFFORT = 5;

/**
 * The power of two choices (Mitzenmacher, "The Power of Two Choices in Randomized Load
 * Balancing", 2001), as Finagle's `P2C` balancer does it: sample two distinct members uniformly;
 * prefer the available one (health first), then the one the server has not asked to back off,
 * then the one with the lower load divided by its effective weight; ties go to the first sample.
 * O(1) per pick: two random numbers and two endpoint reads, whatever the fleet's size.
 */
export class TwoChoicesPicker implements Picker {
  readonly #members: readonly EndpointState[];
  readonly #weights: EffectiveWeights;
  readonly #load: LoadMetric;
  readonly #clock: Clock;
  readonly #rng: Rng;

  constructor(members: readonly EndpointState[], load: LoadMetric, settings: WeightedSettings, clock: Clock, rng: Rng) {
    this.#members = members;
    this.#weights = new EffectiveWeights(members, settings.slowStart);
    this.#load = load;
    this.#clock = clock;
    this.#rng = rng;
  }

  pick(_call: Call, now = this.#clock.now()): EndpointState | undefined {
    const members = this.#members;
    const n = members.length;
    if (n < 2) return n === 1 && members[0]!.available ? members[0] : undefined;
    const rng = this.#rng;
    for (let effort = 0; effort < MAX_EFFORT; effort++) {
      const i = randomInt(rng, n);
      let j = randomInt(rng, n - 1);
      if (j >= i) j++;
      const a = members[i]!;
      const b = members[j]!;
      if (!a.available) {
        if (b.available) return b;
        continue;
      }
      if (!b.available) return a;
      return this.#lessLoaded(a, i, b, j, now);
    }
    return randomAvailable(members, rng);
  }

  #lessLoaded(a: EndpointState, i: number, b: EndpointState, j: number, now: number): EndpointState {
    const aBacksOff = isBackingOff(a, now);
    if (aBacksOff !== isBackingOff(b, now)) return aBacksOff ? b : a;
    let loadA = this.#load(a, now);
    let loadB = this.#load(b, now);
    const weights = this.#weights;
    if (!weights.equalAt(now)) {
      loadA /= weights.at(i, now);
      loadB /= weights.at(j, now);
    }
    return loadB < loadA ? b : a;
  }
}
