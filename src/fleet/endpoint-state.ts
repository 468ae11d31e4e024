import type { Endpoint } from './endpoint.js';
import { EJECTED, EndpointTable, HEALTH_NAMES, healthCode, type EndpointHealth } from './endpoint-table.js';
import { decayedPeakEwma, observePeakEwma } from './peak-ewma.js';

export type { EndpointHealth };

/** Something attached to an endpoint's lifetime (its breaker), released when the endpoint leaves. */
export interface EndpointResource {
  close(): void;
}

/**
 * Writes an endpoint's load: in-flight count, latency estimate, counters, server back-off. One
 * per fleet, held by the cluster's load tracker ({@link Fleet.claimLoadWriter}).
 */
export interface LoadWriter {
  /** An attempt was sent to `state`. */
  start(state: EndpointState): void;
  /**
   * An attempt on `state` finished after `latencyMs` at `now`; `ok` is false for failures.
   * `penaltyUntil`, when set, records a server's request to back off.
   */
  finish(state: EndpointState, latencyMs: number, now: number, ok: boolean, penaltyUntil?: number): void;
  /** An attempt on `state` ended without telling anything about it (aborted, or never sent): no sample. */
  abandon(state: EndpointState): void;
}

/** Writes an endpoint's health and attaches its breaker. One per fleet, held by the breaker layer ({@link Fleet.claimHealthWriter}). */
export interface HealthWriter {
  /** Sets `state`'s health; returns true when it changed. */
  set(state: EndpointState, health: EndpointHealth): boolean;
  /** Attaches `state`'s breaker (released by the fleet when the endpoint leaves). */
  attach(state: EndpointState, breaker: EndpointResource): void;
}

/**
 * The fleet's per-endpoint state. The fleet owns it; each field has one writer, by construction
 * (docs/architecture.md, section 4): the state's own API only reads, and writes go through the
 * two capabilities {@link EndpointState.writers} makes once per fleet:
 * - load (`inFlight`, latency EWMA, counters) through the {@link LoadWriter}, held by the load tracker;
 * - health and the breaker through the {@link HealthWriter}, held by the breaker layer;
 * - balancers and user code hold no writer, so they only read.
 *
 * The fields pickers compare on every sample live in a row of the fleet's endpoint table (its
 * columns are `FleetSnapshot.table`); this object reads and writes that row. When the endpoint
 * leaves, the state moves its row into a table of its own, so it keeps working (a request still in
 * flight finishes on it) while the fleet gives the row to a newcomer.
 */
export class EndpointState {
  #endpoint: Endpoint;
  #table: EndpointTable;
  #row: number;
  #requests = 0;
  #failures = 0;
  #breaker: EndpointResource | undefined;

  /** @internal created by the fleet only, on row `row` of its `table` */
  constructor(endpoint: Endpoint, table: EndpointTable, row: number) {
    this.#endpoint = endpoint;
    this.#table = table;
    this.#row = row;
  }

  /** @internal the state's row in the fleet's table (`FleetSnapshot.rows` lists them by member) */
  get row(): number {
    return this.#row;
  }

  /** The endpoint as discovery last described it. */
  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  /** The endpoint id (shorthand for `endpoint.id`). */
  get id(): string {
    return this.#endpoint.id;
  }

  /** Clock time (ms) at which the endpoint joined the fleet (for slow start). */
  get joinedAt(): number {
    return this.#table.joinedAt[this.#row]!;
  }

  /** Requests sent and not yet finished. */
  get inFlight(): number {
    return this.#table.inFlight[this.#row]!;
  }

  /** Requests finished (success or failure). */
  get requests(): number {
    return this.#requests;
  }

  /** Requests finished as failures. */
  get failures(): number {
    return this.#failures;
  }

  /** Peak-EWMA latency estimate in ms as of the last sample, undecayed (0 before the first sample); {@link EndpointState.ewmaAt} reads it as of now. */
  get ewmaMs(): number {
    return this.#table.ewmaCost[this.#row]!;
  }

  /** Whether a latency sample has been observed. */
  get hasLatency(): boolean {
    return this.#table.ewmaStamp[this.#row] !== -Infinity;
  }

  /**
   * Peak-EWMA latency estimate (ms) decayed toward zero for the time since the last sample, as
   * Finagle reads it, and 0 once stale: what load-aware balancers compare at clock time `now`.
   */
  ewmaAt(now: number): number {
    const table = this.#table;
    return decayedPeakEwma(table.ewmaCost[this.#row]!, table.ewmaStamp[this.#row]!, now, table.ewmaTauMs, table.ewmaStaleMs);
  }

  /** Current health as set by the breaker layer. */
  get health(): EndpointHealth {
    return HEALTH_NAMES[this.#table.health[this.#row]!]!;
  }

  /** Whether the balancer may pick this endpoint (not ejected). */
  get available(): boolean {
    return this.#table.health[this.#row] !== EJECTED;
  }

  /**
   * Until when (clock ms) the server asked for less load (429, 503, `Retry-After`); load-aware
   * balancers bias away from the endpoint until then. `-Infinity` when it never asked (any clock
   * time, even below zero as a manual or simulated clock may read, is after that).
   */
  get loadPenaltyUntil(): number {
    return this.#table.loadPenaltyUntil[this.#row]!;
  }

  /** The breaker attached by the breaker layer, if any. */
  get breaker(): EndpointResource | undefined {
    return this.#breaker;
  }

  /**
   * @internal The fleet's two write capabilities over its states (the only code that writes a
   * state's load or health). The fleet calls this once and hands each writer out once.
   */
  static writers(): { load: LoadWriter; health: HealthWriter } {
    const load: LoadWriter = {
      start(state) {
        state.#table.inFlight[state.#row]!++;
      },
      abandon(state) {
        state.#table.inFlight[state.#row]!--;
      },
      finish(state, latencyMs, now, ok, penaltyUntil) {
        const table = state.#table;
        const row = state.#row;
        table.inFlight[row]!--;
        state.#requests++;
        if (!ok) state.#failures++;
        table.ewmaCost[row] = observePeakEwma(table.ewmaCost[row]!, table.ewmaStamp[row]!, latencyMs, now, table.ewmaTauMs, table.ewmaStaleMs);
        table.ewmaStamp[row] = now;
        if (penaltyUntil !== undefined && penaltyUntil > table.loadPenaltyUntil[row]!) {
          table.loadPenaltyUntil[row] = penaltyUntil;
          table.penaltyPending[row] = 1;
        } else if (table.penaltyPending[row] === 1 && table.loadPenaltyUntil[row]! <= now) {
          table.penaltyPending[row] = 0;
        }
      },
    };
    const health: HealthWriter = {
      set(state, value) {
        const code = healthCode(value);
        if (state.#table.health[state.#row] === code) return false;
        state.#table.health[state.#row] = code;
        return true;
      },
      attach(state, breaker) {
        state.#breaker = breaker;
      },
    };
    return { load, health };
  }

  /** Fleet: discovery changed the endpoint's weight, zone or tags (same id and origin). */
  redescribe(endpoint: Endpoint): void {
    this.#endpoint = endpoint;
    this.#table.weight[this.#row] = endpoint.weight;
  }

  /** Fleet: releases attached resources when the endpoint leaves. */
  dispose(): void {
    this.#breaker?.close();
    this.#breaker = undefined;
  }

  /**
   * Fleet: the endpoint left. Moves the state's row into a table of its own, so the state keeps
   * working (a request in flight still finishes on it) and the fleet can give the row to another.
   */
  detach(): void {
    const own = new EndpointTable(this.#table.ewmaTauMs, 1, this.#table.ewmaStaleMs);
    own.copyRow(this.#table, this.#row, own.allocate(0, 0));
    this.#table = own;
    this.#row = 0;
  }
}
