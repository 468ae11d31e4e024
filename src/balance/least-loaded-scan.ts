import type { Call } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { EJECTED } from '../fleet/endpoint-table.js';
import type { FleetSnapshot } from '../fleet/fleet.js';
import { randomAvailable, randomUntried } from './available.js';
import type { Picker } from './balancer.js';
import type { ScanningSettings } from './balancer-options.js';
import { EffectiveWeights } from './effective-weights.js';
import { isBackingOff, type LoadMetric } from './load.js';

/**
 * Scans for the least loaded available member: members the server has not asked to back off
 * first, then the lowest load divided by effective weight; the first found wins a tie. A fleet of
 * up to `maxScan` members is scanned in full from a start that advances by one per pick, so ties
 * rotate round-robin (nginx's `least_conn` breaks ties the same way); a larger fleet is sampled:
 * `maxScan` consecutive members from a random start (falling back to any available member when
 * the whole window is ejected). A retry skips the members it has already tried, while an untried
 * one is available. O(min(n, maxScan)) per pick, reading rows of the fleet's endpoint table.
 */
export class LeastLoadedScanPicker implements Picker {
  readonly #snapshot: FleetSnapshot;
  readonly #weights: EffectiveWeights;
  readonly #load: LoadMetric;
  readonly #window: number;
  readonly #clock: Clock;
  readonly #rng: Rng;
  #cursor = 0;

  constructor(snapshot: FleetSnapshot, load: LoadMetric, settings: ScanningSettings, clock: Clock, rng: Rng) {
    this.#snapshot = snapshot;
    this.#weights = new EffectiveWeights(snapshot, settings.slowStart);
    this.#load = load;
    this.#window = Math.min(snapshot.members.length, settings.maxScan);
    this.#clock = clock;
    this.#rng = rng;
  }

  pick(call: Call, now = this.#clock.now()): EndpointState | undefined {
    // A retry scans past the endpoints it tried; if it tried every available one, it scans again without avoiding them.
    if (call.tried.size !== 0) return this.#scan(now, call.tried) ?? this.#scan(now, undefined);
    return this.#scan(now, undefined);
  }

  /** The least loaded available member whose id is not in `avoid`. */
  #scan(now: number, avoid: ReadonlySet<string> | undefined): EndpointState | undefined {
    const { members, rows, table } = this.#snapshot;
    const n = members.length;
    if (n === 0) return undefined;
    const window = this.#window;
    let i: number;
    if (window === n) {
      i = this.#cursor;
      this.#cursor = i + 1 === n ? 0 : i + 1;
    } else {
      i = randomInt(this.#rng, n);
    }
    const weights = this.#weights;
    const equal = weights.equalAt(now);
    const load = this.#load;
    const health = table.health;
    let best = -1;
    let bestBacksOff = true;
    let bestLoad = Infinity;
    for (let k = 0; k < window; k++) {
      const row = rows[i]!;
      if (health[row] !== EJECTED && (avoid === undefined || !avoid.has(members[i]!.id))) {
        const backsOff = isBackingOff(table, row, now);
        if (!backsOff || bestBacksOff) {
          const cost = equal ? load(table, row, now) : load(table, row, now) / weights.at(row, now);
          if (cost < bestLoad || (bestBacksOff && !backsOff)) {
            best = i;
            bestBacksOff = backsOff;
            bestLoad = cost;
          }
        }
      }
      if (++i === n) i = 0;
    }
    if (best >= 0) return members[best];
    if (window === n) return undefined;
    return avoid === undefined ? randomAvailable(this.#snapshot, this.#rng) : randomUntried(this.#snapshot, avoid, this.#rng);
  }
}
