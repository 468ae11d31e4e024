import { DEFAULTS } from '../defaults.js';

/** Whether the balancer may pick an endpoint. */
export type EndpointHealth = 'healthy' | 'ejected' | 'probing';

/** {@link EndpointColumns.health} codes, indexed by code. */
export const HEALTH_NAMES: readonly EndpointHealth[] = Object.freeze(['healthy', 'probing', 'ejected']);

/** The {@link EndpointColumns.health} code of a healthy endpoint. */
export const HEALTHY = 0;

/** The {@link EndpointColumns.health} code of an ejected endpoint (or of a free row): not pickable. */
export const EJECTED = 2;

/** The {@link EndpointColumns.health} code of `health`. */
export function healthCode(health: EndpointHealth): number {
  return HEALTH_NAMES.indexOf(health);
}

/**
 * The per-endpoint state pickers read on every sample, one row per fleet member, as columns (a
 * struct of arrays). Row `FleetSnapshot.rows[i]` belongs to `FleetSnapshot.members[i]`.
 *
 * Why columns: at 100 000 endpoints a pick is bound by memory latency, not by instructions. A
 * sample that reads a random endpoint's state object reads from some 30 MiB of objects, a cache
 * miss per object; a p2c sample reads three columns instead (health, back-off flag, in-flight: 6
 * bytes per endpoint, 0.6 MB at 100 000), small enough to stay in a 2 MiB L2 cache. The table
 * holds 46 bytes per row.
 *
 * Read-only for pickers: {@link EndpointState} is the only writer (through the load tracker's and
 * the breaker layer's calls, docs/architecture.md, section 4). Read the columns through this object on
 * every pick, never keep a column across picks: the fleet replaces them when it grows.
 */
export interface EndpointColumns {
  /** Requests sent and not yet finished. */
  readonly inFlight: ArrayLike<number>;
  /** Health code: 0 healthy, 1 probing, {@link EJECTED} (2) ejected; a free row reads as ejected. */
  readonly health: ArrayLike<number>;
  /** Until when (clock ms) the server asked for less load (429, 503, `Retry-After`); `-Infinity` when it never did. */
  readonly loadPenaltyUntil: ArrayLike<number>;
  /**
   * 1 while the server's request for less load may still be in force: set when the load tracker
   * records one, cleared by the load tracker when a request finishes after
   * {@link EndpointColumns.loadPenaltyUntil}. A picker reads `loadPenaltyUntil` (8 bytes a row)
   * only where this (1 byte) is set, which saves 10 ns per p2c pick at 100 000 endpoints.
   */
  readonly penaltyPending: ArrayLike<number>;
  /** Peak-EWMA latency estimate (ms) as of {@link EndpointColumns.ewmaStamp}; 0 before the first sample. */
  readonly ewmaCost: ArrayLike<number>;
  /** Clock time (ms) of the last latency sample; `-Infinity` before the first (the endpoint has no latency history). */
  readonly ewmaStamp: ArrayLike<number>;
  /** The weight discovery gave the endpoint. */
  readonly weight: ArrayLike<number>;
  /** Clock time (ms) at which the endpoint joined the fleet (for slow start). */
  readonly joinedAt: ArrayLike<number>;
  /** Time constant τ (ms) of every row's peak-EWMA. */
  readonly ewmaTauMs: number;
  /** Age (ms) past which a row's peak-EWMA is stale and reads as no history. */
  readonly ewmaStaleMs: number;
}

/** Rows of a new table. */
const INITIAL_CAPACITY = 8;

/**
 * The fleet's {@link EndpointColumns}, with the rows' life cycle: {@link EndpointTable.allocate}
 * takes the lowest free row (one an endpoint left earlier, else a new one at the end, doubling the
 * columns when they are full), {@link EndpointTable.release} puts a row back on the free list. The
 * fleet frees the rows of leavers before newcomers take rows, so no more rows are ever in use than
 * the fleet's largest membership, however many endpoints come and go; and lowest first, so
 * endpoints that replace others in discovery order take their rows in that order (members stay in
 * the rows of their indices, which pickers use to skip a lookup).
 */
export class EndpointTable implements EndpointColumns {
  readonly ewmaTauMs: number;
  readonly ewmaStaleMs: number;
  #inFlight: Int32Array;
  #health: Uint8Array;
  #loadPenaltyUntil: Float64Array;
  #penaltyPending: Uint8Array;
  #ewmaCost: Float64Array;
  #ewmaStamp: Float64Array;
  #weight: Float64Array;
  #joinedAt: Float64Array;
  /** Rows ever handed out: rows at and above it have never been used. */
  #end = 0;
  /** Released rows; sorted from highest to lowest when `#freeSorted`. */
  readonly #free: number[] = [];
  #freeSorted = true;

  /**
   * @param ewmaTauMs - time constant τ (ms) of the peak-EWMA latency estimates
   * @param capacity - rows to allocate up front (the table grows as needed)
   * @param ewmaStaleMs - age (ms) past which an estimate is stale (default {@link DEFAULTS}.ewmaStaleMs)
   */
  constructor(ewmaTauMs: number, capacity = INITIAL_CAPACITY, ewmaStaleMs: number = DEFAULTS.ewmaStaleMs) {
    this.ewmaTauMs = ewmaTauMs;
    this.ewmaStaleMs = ewmaStaleMs;
    this.#inFlight = new Int32Array(capacity);
    this.#health = new Uint8Array(capacity);
    this.#loadPenaltyUntil = new Float64Array(capacity);
    this.#penaltyPending = new Uint8Array(capacity);
    this.#ewmaCost = new Float64Array(capacity);
    this.#ewmaStamp = new Float64Array(capacity);
    this.#weight = new Float64Array(capacity);
    this.#joinedAt = new Float64Array(capacity);
  }

  get inFlight(): Int32Array {
    return this.#inFlight;
  }

  get health(): Uint8Array {
    return this.#health;
  }

  get loadPenaltyUntil(): Float64Array {
    return this.#loadPenaltyUntil;
  }

  get penaltyPending(): Uint8Array {
    return this.#penaltyPending;
  }

  get ewmaCost(): Float64Array {
    return this.#ewmaCost;
  }

  get ewmaStamp(): Float64Array {
    return this.#ewmaStamp;
  }

  get weight(): Float64Array {
    return this.#weight;
  }

  get joinedAt(): Float64Array {
    return this.#joinedAt;
  }

  /** Rows the columns can hold before they grow. */
  get capacity(): number {
    return this.#inFlight.length;
  }

  /** Rows in use. */
  get size(): number {
    return this.#end - this.#free.length;
  }

  /** Takes a row for an endpoint of `weight` that joins at `joinedAt` (clock ms): healthy, idle, no history. */
  allocate(weight: number, joinedAt: number): number {
    if (!this.#freeSorted) {
      this.#free.sort((a, b) => b - a);
      this.#freeSorted = true;
    }
    let row = this.#free.pop();
    if (row === undefined) {
      if (this.#end === this.capacity) this.#grow();
      row = this.#end++;
    }
    this.#inFlight[row] = 0;
    this.#health[row] = 0;
    this.#loadPenaltyUntil[row] = -Infinity;
    this.#penaltyPending[row] = 0;
    this.#ewmaCost[row] = 0;
    this.#ewmaStamp[row] = -Infinity;
    this.#weight[row] = weight;
    this.#joinedAt[row] = joinedAt;
    return row;
  }

  /** Puts `row` back on the free list. It reads as ejected until it is allocated again. */
  release(row: number): void {
    this.#health[row] = EJECTED;
    this.#free.push(row);
    this.#freeSorted = false;
  }

  /** Copies row `from` of `source` into row `to` of this table. */
  copyRow(source: EndpointTable, from: number, to: number): void {
    this.#inFlight[to] = source.#inFlight[from]!;
    this.#health[to] = source.#health[from]!;
    this.#loadPenaltyUntil[to] = source.#loadPenaltyUntil[from]!;
    this.#penaltyPending[to] = source.#penaltyPending[from]!;
    this.#ewmaCost[to] = source.#ewmaCost[from]!;
    this.#ewmaStamp[to] = source.#ewmaStamp[from]!;
    this.#weight[to] = source.#weight[from]!;
    this.#joinedAt[to] = source.#joinedAt[from]!;
  }

  #grow(): void {
    const capacity = this.capacity * 2;
    this.#inFlight = grown(this.#inFlight, new Int32Array(capacity));
    this.#health = grown(this.#health, new Uint8Array(capacity));
    this.#loadPenaltyUntil = grown(this.#loadPenaltyUntil, new Float64Array(capacity));
    this.#penaltyPending = grown(this.#penaltyPending, new Uint8Array(capacity));
    this.#ewmaCost = grown(this.#ewmaCost, new Float64Array(capacity));
    this.#ewmaStamp = grown(this.#ewmaStamp, new Float64Array(capacity));
    this.#weight = grown(this.#weight, new Float64Array(capacity));
    this.#joinedAt = grown(this.#joinedAt, new Float64Array(capacity));
  }
}

function grown<T extends Int32Array | Uint8Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
