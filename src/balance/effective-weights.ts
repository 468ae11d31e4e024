import type { EndpointColumns } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import type { SlowStart } from '../fleet/slow-start.js';

/**
 * The members' weights as a picker uses them: the weight discovery gave each endpoint, times its
 * slow-start factor while it ramps. Read by table row from the fleet's weight and join-time
 * columns (a weight change is a membership change, which rebuilds the picker), so a pick touches
 * no state object.
 */
export class EffectiveWeights {
  readonly #table: EndpointColumns;
  readonly #slowStart: SlowStart | undefined;
  /** Clock time from which no member ramps any more. */
  readonly #rampEnd: number;
  readonly #equal: boolean;

  constructor(snapshot: FleetSnapshot, slowStart: SlowStart | undefined) {
    const { rows, table } = snapshot;
    const { weight, joinedAt } = table;
    const n = rows.length;
    let lastJoin = -Infinity;
    let equal = true;
    const first = n > 0 ? weight[rows[0]!]! : 0;
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      if (joinedAt[row]! > lastJoin) lastJoin = joinedAt[row]!;
      if (weight[row] !== first) equal = false;
    }
    this.#table = table;
    this.#slowStart = slowStart;
    this.#rampEnd = slowStart ? lastJoin + slowStart.windowMs : -Infinity;
    this.#equal = equal;
  }

  /** Whether every member has the same effective weight at `now` (so load alone decides). */
  equalAt(now: number): boolean {
    return this.#equal && now >= this.#rampEnd;
  }

  /** The effective weight at `now` of the member in table row `row`. */
  at(row: number, now: number): number {
    const table = this.#table;
    const weight = table.weight[row]!;
    return now < this.#rampEnd ? weight * this.#slowStart!.factor(table.joinedAt[row]!, now) : weight;
  }
}
