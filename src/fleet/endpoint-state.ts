import type { Endpoint } from './endpoint.js';
import { PeakEwma } from './peak-ewma.js';

/** Whether the balancer may pick an endpoint. */
export type EndpointHealth = 'healthy' | 'ejected' | 'probing';

/** Something attached to an endpoint's lifetime (its breaker), released when the endpoint leaves. */
export interface EndpointResource {
  close(): void;
}

/**
 * The fleet's per-endpoint state. The fleet owns it; each field has one writer
 * (shared/STYLE.md rule 3):
 * - load (`inFlight`, latency EWMA, counters) is written only by the load tracker in the balance
 *   layer, through {@link EndpointState.start} and {@link EndpointState.finish};
 * - health is written only by the breaker layer, through {@link EndpointState.setHealth};
 * - balancers only read.
 */
export class EndpointState {
  #endpoint: Endpoint;
  /** Clock time (ms) at which the endpoint joined the fleet (for slow start). */
  readonly joinedAt: number;
  #inFlight = 0;
  #requests = 0;
  #failures = 0;
  #ewma: PeakEwma;
  #health: EndpointHealth = 'healthy';
  #loadPenaltyUntil = 0;
  #breaker: EndpointResource | undefined;

  /** @internal created by the fleet only */
  constructor(endpoint: Endpoint, joinedAt: number, ewmaTauMs: number) {
    this.#endpoint = endpoint;
    this.joinedAt = joinedAt;
    this.#ewma = new PeakEwma(ewmaTauMs, joinedAt);
  }

  /** The endpoint as discovery last described it. */
  get endpoint(): Endpoint {
    return this.#endpoint;
  }

  /** The endpoint id (shorthand for `endpoint.id`). */
  get id(): string {
    return this.#endpoint.id;
  }

  /** Requests sent and not yet finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Requests finished (success or failure). */
  get requests(): number {
    return this.#requests;
  }

  /** Requests finished as failures. */
  get failures(): number {
    return this.#failures;
  }

  /** Peak-EWMA latency estimate in ms (0 before the first sample). */
  get ewmaMs(): number {
    return this.#ewma.value;
  }

  /** Whether a latency sample has been observed. */
  get hasLatency(): boolean {
    return this.#ewma.hasHistory;
  }

  /**
   * Peak-EWMA latency estimate (ms) decayed toward zero for the time since the last sample, as
   * Finagle reads it: what load-aware balancers compare at clock time `now`.
   */
  ewmaAt(now: number): number {
    return this.#ewma.valueAt(now);
  }

  /** Current health as set by the breaker layer. */
  get health(): EndpointHealth {
    return this.#health;
  }

  /** Whether the balancer may pick this endpoint (not ejected). */
  get available(): boolean {
    return this.#health !== 'ejected';
  }

  /**
   * Until when (clock ms) the server asked for less load (429, 503, `Retry-After`); load-aware
   * balancers bias away from the endpoint until then.
   */
  get loadPenaltyUntil(): number {
    return this.#loadPenaltyUntil;
  }

  /** The breaker attached by the breaker layer, if any. */
  get breaker(): EndpointResource | undefined {
    return this.#breaker;
  }

  /** Load tracker: an attempt was sent. */
  start(): void {
    this.#inFlight++;
  }

  /**
   * Load tracker: an attempt finished after `latencyMs` at `now`. `ok` is false for failures.
   * `penaltyUntil`, when set, records a server's request to back off.
   */
  finish(latencyMs: number, now: number, ok: boolean, penaltyUntil?: number): void {
    this.#inFlight--;
    this.#requests++;
    if (!ok) this.#failures++;
    this.#ewma.observe(latencyMs, now);
    if (penaltyUntil !== undefined && penaltyUntil > this.#loadPenaltyUntil) this.#loadPenaltyUntil = penaltyUntil;
  }

  /** Breaker layer: sets health. Returns true when it changed. */
  setHealth(health: EndpointHealth): boolean {
    if (this.#health === health) return false;
    this.#health = health;
    return true;
  }

  /** Breaker layer: attaches the endpoint's breaker (released by the fleet when the endpoint leaves). */
  attachBreaker(breaker: EndpointResource): void {
    this.#breaker = breaker;
  }

  /** Fleet: discovery changed the endpoint's weight, zone or tags (same id and origin). */
  redescribe(endpoint: Endpoint): void {
    this.#endpoint = endpoint;
  }

  /** Fleet: releases attached resources when the endpoint leaves. */
  dispose(): void {
    this.#breaker?.close();
    this.#breaker = undefined;
  }
}
