import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import type { Balancer, Picker } from './balancer.js';
import { weightedSettings, type WeightedBalancerOptions, type WeightedSettings } from './balancer-options.js';
import { EffectiveWeights } from './effective-weights.js';

/**
 * Weighted round-robin by earliest deadline first, as Envoy's `EdfScheduler`: each member is due
 * every `1 / weight` units of virtual time; each pick takes the member with the earliest deadline
 * (ties: the one scheduled first) and schedules it again one period later, with its effective
 * weight at that moment, so slow start and weights apply pick by pick. Over any run of picks each
 * member's share is its weight's share. O(log n) per pick (a binary heap); members with equal
 * weights go in discovery order, like round-robin. An ejected member loses its turn, and so does a
 * member a retry passes over because it already tried it.
 *
 * @param options - `slowStart` to ramp new endpoints (see {@link SlowStartOptions})
 * @throws ConfigError for invalid options
 */
export function weightedRoundRobin(options?: WeightedBalancerOptions): Balancer {
  const settings = weightedSettings(options, 'weightedRoundRobin');
  return {
    name: 'weighted-round-robin',
    build(snapshot, { clock }) {
      return new EdfPicker(snapshot, settings, clock);
    },
  };
}

class EdfPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  readonly #weights: EffectiveWeights;
  readonly #clock: Clock;
  /** Binary min-heap of member indices by (deadline, order). */
  readonly #heap: Int32Array;
  readonly #deadline: Float64Array;
  readonly #order: Float64Array;
  /**
   * A member's deadline is `base + periods / rate`: computed from the start of its current rate
   * rather than summed, so deadlines of equal weights tie exactly and sequences are exact.
   */
  readonly #base: Float64Array;
  readonly #periods: Float64Array;
  readonly #rate: Float64Array;
  #nextOrder: number;

  constructor(snapshot: FleetSnapshot, settings: WeightedSettings, clock: Clock) {
    const n = snapshot.members.length;
    this.#snapshot = snapshot;
    this.#weights = new EffectiveWeights(snapshot, settings.slowStart);
    this.#clock = clock;
    this.#heap = new Int32Array(n);
    this.#deadline = new Float64Array(n);
    this.#order = new Float64Array(n);
    this.#base = new Float64Array(n);
    this.#periods = new Float64Array(n).fill(1);
    this.#rate = new Float64Array(n);
    const now = clock.now();
    for (let i = 0; i < n; i++) {
      const rate = this.#weights.at(snapshot.rows[i]!, now);
      this.#rate[i] = rate;
      this.#deadline[i] = 1 / rate;
      this.#order[i] = i;
      this.#heap[i] = i;
    }
    this.#nextOrder = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  pick(call: Call, now = this.#clock.now()): EndpointState | undefined {
    const { members, rows, table } = this.#snapshot;
    const n = members.length;
    const tried = call.tried;
    if (tried.size !== 0) {
      // A retry takes the earliest member it has not tried; the tried ones it passes lose their turn, as ejected ones do.
      for (let k = 0; k < n; k++) {
        const i = this.#heap[0]!;
        this.#reschedule(i, now);
        if (table.health[rows[i]!] !== EJECTED && !tried.has(members[i]!.id)) return members[i];
      }
    }
    for (let k = 0; k < n; k++) {
      const i = this.#heap[0]!;
      this.#reschedule(i, now);
      if (table.health[rows[i]!] !== EJECTED) return members[i];
    }
    return undefined;
  }

  /** Moves member `i` (at the top of the heap) one period past its deadline. */
  #reschedule(i: number, now: number): void {
    const rate = this.#weights.at(this.#snapshot.rows[i]!, now);
    if (rate !== this.#rate[i]) {
      this.#base[i] = this.#deadline[i]!;
      this.#periods[i] = 0;
      this.#rate[i] = rate;
    }
    const periods = this.#periods[i]! + 1;
    this.#periods[i] = periods;
    this.#deadline[i] = this.#base[i]! + periods / rate;
    this.#order[i] = this.#nextOrder++;
    this.#siftDown(0);
  }

  #siftDown(at: number): void {
    const heap = this.#heap;
    const deadline = this.#deadline;
    const order = this.#order;
    const n = heap.length;
    const item = heap[at]!;
    const d = deadline[item]!;
    const o = order[item]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= n) break;
      let c = heap[child]!;
      let cd = deadline[c]!;
      if (child + 1 < n) {
        const r = heap[child + 1]!;
        const rd = deadline[r]!;
        if (rd < cd || (rd === cd && order[r]! < order[c]!)) {
          child++;
          c = r;
          cd = rd;
        }
      }
      if (d < cd || (d === cd && o < order[c]!)) break;
      heap[at] = c;
      at = child;
    }
    heap[at] = item;
  }
}
