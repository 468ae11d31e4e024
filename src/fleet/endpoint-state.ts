import type { Endpoint } from './endpoint.js';
import { EJECTED, EndpointTable, HEALTH_NAMES, healthCode, type EndpointHealth } from './endpoint-table.js';
import { decayedPeakEwma, observePeakEwma } from './peak-ewma.js';

export type { EndpointHealth };

/** Something attached to an endpoint's lifetime (its breaker), released when the endpoint leaves. */
export interface EndpointResource {
  close(): void;
}

/**
 * The fleet's per-endpoint state. The fleet owns it; each field has one writer
 * (docs/architecture.md, section 4):
 * - load (`inFlight`, latency EWMA, counters) is written only by the load tracker in the balance
 *   layer, through {@link EndpointState.start} and {@link EndpointState.finish};
 * - health is written only by the breaker layer, through {@link EndpointState.setHealth};
 * - balancers only read.
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

  /** Load tracker: an attempt was sent. */
  start(): void {
    this.#table.inFlight[this.#row]!++;
  }

  /**
   * Load tracker: an attempt finished after `latencyMs` at `now`. `ok` is false for failures.
   * `penaltyUntil`, when set, records a server's request to back off.
   */
  finish(latencyMs: number, now: number, ok: boolean, penaltyUntil?: number): void {
    const table = this.#table;
    const row = this.#row;
    table.inFlight[row]!--;
    this.#requests++;
    if (!ok) this.#failures++;
    table.ewmaCost[row] = observePeakEwma(table.ewmaCost[row]!, table.ewmaStamp[row]!, latencyMs, now, table.ewmaTauMs, table.ewmaStaleMs);
    table.ewmaStamp[row] = now;
    if (penaltyUntil !== undefined && penaltyUntil > table.loadPenaltyUntil[row]!) {
      table.loadPenaltyUntil[row] = penaltyUntil;
      table.penaltyPending[row] = 1;
    } else if (table.penaltyPending[row] === 1 && table.loadPenaltyUntil[row]! <= now) {
      table.penaltyPending[row] = 0;
    }
  }

  /** Breaker layer: sets health. Returns true when it changed. */
  setHealth(health: EndpointHealth): boolean {
    const code = healthCode(health);
    if (this.#table.health[this.#row] === code) return false;
    this.#table.health[this.#row] = code;
    return true;
  }

  /** Breaker layer: attaches the endpoint's breaker (released by the fleet when the endpoint leaves). */
  attachBreaker(breaker: EndpointResource): void {
    this.#breaker = breaker;
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
