import type { EndpointState } from '../fleet/endpoint-state.js';
import type { SlowStart } from '../fleet/slow-start.js';

/**
 * The members' weights as a picker uses them: the weight discovery gave each endpoint, times its
 * slow-start factor while it ramps. Weights are copied when the picker is built (a weight change
 * is a membership change, which rebuilds the picker), so a pick reads typed arrays only.
 */
export class EffectiveWeights {
  readonly #weights: Float64Array;
  readonly #joinedAt: Float64Array;
  readonly #slowStart: SlowStart | undefined;
  /** Clock time from which no member ramps any more. */
  readonly #rampEnd: number;
  readonly #equal: boolean;

  constructor(members: readonly EndpointState[], slowStart: SlowStart | undefined) {
    const n = members.length;
    this.#weights = new Float64Array(n);
    this.#joinedAt = new Float64Array(n);
    let lastJoin = -Infinity;
    let equal = true;
    for (let i = 0; i < n; i++) {
      const state = members[i]!;
      this.#weights[i] = state.endpoint.weight;
      this.#joinedAt[i] = state.joinedAt;
      if (state.joinedAt > lastJoin) lastJoin = state.joinedAt;
      if (this.#weights[i] !== this.#weights[0]) equal = false;
    }
    this.#slowStart = slowStart;
    this.#rampEnd = slowStart ? lastJoin + slowStart.windowMs : -Infinity;
    this.#equal = equal;
  }

  /** Whether every member has the same effective weight at `now` (so load alone decides). */
  equalAt(now: number): boolean {
    return this.#equal && now >= this.#rampEnd;
  }

  /** The effective weight of member `index` at `now`. */
  at(index: number, now: number): number {
    const weight = this.#weights[index]!;
    return now < this.#rampEnd ? weight * this.#slowStart!.factor(this.#joinedAt[index]!, now) : weight;
  }
}
