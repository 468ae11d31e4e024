import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import { randomAvailable, randomUntried } from './available.js';
import { membersByRow } from './by-row.js';
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
 * A retry treats the members it has already tried as ejected, while an untried one is available.
 * O(1) per pick: two random numbers and two rows of the fleet's endpoint table, whatever the
 * fleet's size; only the chosen member's state object is touched.
 *
 * The picker samples positions: while the fleet's table has no free row (its rows are exactly
 * `0 … n-1`, true unless the fleet shrank) a position is a row, and the members are listed by
 * row; otherwise position `p` is member `p`, in row `rows[p]`. Either way each member is one
 * position, so samples are uniform; the first way saves a dependent read per sample (about 10 ns
 * at 100 000 endpoints, `npm run bench:pick`).
 */
export class TwoChoicesPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  /** The member at each position. */
  readonly #memberAt: readonly (EndpointState | undefined)[];
  /** The row of each position; `undefined` when positions are rows. */
  readonly #rowAt: ArrayLike<number> | undefined;
  readonly #weights: EffectiveWeights;
  readonly #load: LoadMetric;
  readonly #clock: Clock;
  readonly #rng: Rng;

  constructor(snapshot: FleetSnapshot, load: LoadMetric, settings: WeightedSettings, clock: Clock, rng: Rng) {
    this.#snapshot = snapshot;
    const byRow = membersByRow(snapshot);
    // Rows are positions when there are exactly n of them (no free row among them).
    const rowsArePositions = byRow.length === snapshot.members.length;
    this.#memberAt = rowsArePositions ? byRow : snapshot.members;
    this.#rowAt = rowsArePositions ? undefined : snapshot.rows;
    this.#weights = new EffectiveWeights(snapshot, settings.slowStart);
    this.#load = load;
    this.#clock = clock;
    this.#rng = rng;
  }

  pick(call: Call, now = this.#clock.now()): EndpointState | undefined {
    if (call.tried.size !== 0) return this.#pickUntried(call.tried, now) ?? this.#pickAny(now);
    return this.#pickAny(now);
  }

  /** A pick among every available member. */
  #pickAny(now: number): EndpointState | undefined {
    const health = this.#snapshot.table.health;
    const memberAt = this.#memberAt;
    const rowAt = this.#rowAt;
    const n = memberAt.length;
    if (n < 2) return n === 1 && health[rowAt?.[0] ?? 0] !== EJECTED ? memberAt[0] : undefined;
    const rng = this.#rng;
    for (let effort = 0; effort < MAX_EFFORT; effort++) {
      const i = randomInt(rng, n);
      let j = randomInt(rng, n - 1);
      if (j >= i) j++;
      const a = rowAt === undefined ? i : rowAt[i]!;
      const b = rowAt === undefined ? j : rowAt[j]!;
      if (health[a] === EJECTED) {
        if (health[b] !== EJECTED) return memberAt[j];
        continue;
      }
      if (health[b] === EJECTED) return memberAt[i];
      return memberAt[this.#lessLoaded(a, b, now) ? j : i];
    }
    return randomAvailable(this.#snapshot, rng);
  }

  /**
   * A retry's pick: the same comparison, with the members in `avoid` (the call's `tried` set)
   * treated as ejected, so each retry goes to an endpoint not tried yet while one is available
   * (the better of two untried samples, else a random untried member); `undefined` when every
   * available member was tried.
   */
  #pickUntried(avoid: ReadonlySet<string>, now: number): EndpointState | undefined {
    const health = this.#snapshot.table.health;
    const memberAt = this.#memberAt;
    const rowAt = this.#rowAt;
    const n = memberAt.length;
    const rng = this.#rng;
    if (n >= 2) {
      for (let effort = 0; effort < MAX_EFFORT; effort++) {
        const i = randomInt(rng, n);
        let j = randomInt(rng, n - 1);
        if (j >= i) j++;
        const a = rowAt === undefined ? i : rowAt[i]!;
        const b = rowAt === undefined ? j : rowAt[j]!;
        const aOut = health[a] === EJECTED || avoid.has(memberAt[i]!.id);
        const bOut = health[b] === EJECTED || avoid.has(memberAt[j]!.id);
        if (aOut) {
          if (!bOut) return memberAt[j];
          continue;
        }
        if (bOut) return memberAt[i];
        return memberAt[this.#lessLoaded(a, b, now) ? j : i];
      }
    }
    return randomUntried(this.#snapshot, avoid, rng);
  }

  /** Whether the member in row `b` is to be preferred to the one in row `a` at `now`. */
  #lessLoaded(a: number, b: number, now: number): boolean {
    const table = this.#snapshot.table;
    const aBacksOff = isBackingOff(table, a, now);
    if (aBacksOff !== isBackingOff(table, b, now)) return aBacksOff;
    let loadA = this.#load(table, a, now);
    let loadB = this.#load(table, b, now);
    const weights = this.#weights;
    if (!weights.equalAt(now)) {
      loadA /= weights.at(a, now);
      loadB /= weights.at(b, now);
    }
    return loadB < loadA;
  }
}

