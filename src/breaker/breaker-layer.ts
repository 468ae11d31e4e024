import type { AttemptOutcome } from '../core/attempt-outcome.js';
import type { Call } from '../core/call.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import { randomInt, type Rng } from '../core/rng.js';
import type { EndpointState, HealthWriter } from '../fleet/endpoint-state.js';
import type { Fleet, FleetSnapshot } from '../fleet/fleet.js';
import { isGatewayFailure, type BreakerSettings } from './breaker-options.js';
import { EndpointBreaker, type BreakerHost, type BreakerState } from './endpoint-breaker.js';
import { OutcomeWindow } from './outcome-window.js';

/** What the breaker layer needs from the client. */
export interface BreakerLayerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
  readonly fleet: Fleet;
  /**
   * A further rule an ejection must pass (the cluster's subset caps: no subset the endpoint is in
   * may pass its own `maxEjectionPercent`).
   */
  readonly mayEject?: (endpoint: EndpointState) => boolean;
}

/**
 * The breaker layer: one {@link EndpointBreaker} per endpoint, created on the endpoint's first
 * attempt and attached to its state, so the fleet shuts it down when the endpoint leaves (an
 * endpoint never picked costs nothing here). The completion seam asks it to admit each attempt and
 * tells it how each ended. It holds the fleet's health writer, so it is the only writer of
 * endpoint health (docs/architecture.md, section 4), and enforces two fleet-wide rules:
 *
 * - the **ejection cap**: at most `maxEjectionPercent` of the fleet (at least one endpoint) is
 *   ejected at once, as Envoy's `max_ejection_percent`; a breaker that trips past the cap stays
 *   closed, so its endpoint keeps serving;
 * - **panic**: when every endpoint is ejected, {@link BreakerLayer.panicPick} picks among all of
 *   them (the balance layer calls it when its picker finds none), like Envoy's panic threshold.
 *
 * Every breaker's rolling window moves on with one timer on the client clock, which advances a
 * shared rotation count once per bucket length ({@link OutcomeWindow}), instead of a timer per
 * breaker (opossum's defaults arm two intervals per breaker: 20 000 timers at 10 000 endpoints).
 */
export class BreakerLayer implements BreakerHost {
  readonly settings: BreakerSettings;
  readonly health: HealthWriter;
  readonly #deps: BreakerLayerDeps;
  readonly #ejected = new Set<EndpointBreaker>();
  #breakers = 0;
  #rotateTimer: TimerHandle | undefined;
  #epoch = 0;

  constructor(settings: BreakerSettings, deps: BreakerLayerDeps) {
    this.settings = settings;
    this.#deps = deps;
    this.health = deps.fleet.claimHealthWriter();
  }

  /** Endpoints ejected now (breaker open or half-open). */
  get ejectedCount(): number {
    return this.#ejected.size;
  }

  /** Breakers alive (endpoints picked at least once and still in the fleet). */
  get breakerCount(): number {
    return this.#breakers;
  }

  /**
   * Admits an attempt on `endpoint` through its breaker (made on first use), or throws
   * {@link CircuitOpenError}; returns the token to {@link BreakerLayer.record} its end with.
   */
  admit(endpoint: EndpointState): number {
    let breaker = endpoint.breaker;
    if (!(breaker instanceof EndpointBreaker)) {
      breaker = new EndpointBreaker(endpoint, this);
      this.health.attach(endpoint, breaker);
      if (this.#breakers++ === 0) this.#armRotation();
    }
    return (breaker as EndpointBreaker).admit();
  }

  /** The attempt `outcome`, admitted with `token`, ended. */
  record(outcome: AttemptOutcome, token: number): void {
    const breaker = outcome.endpoint.breaker;
    if (breaker instanceof EndpointBreaker) breaker.record(token, outcome.kind, outcome.kind === 'failure' && isGatewayFailure(outcome));
  }

  /**
   * Panic mode: an endpoint among all of `snapshot`'s members (the fleet, or the subset the pick
   * was made in), preferring ones `call` has not tried, uniformly
   * at random from the injected RNG; `undefined` when panic is off or the fleet is empty.
   */
  readonly panicPick = (call: Call, snapshot: FleetSnapshot): EndpointState | undefined => {
    const members = snapshot.members;
    if (!this.settings.panic || members.length === 0) return undefined;
    const untried = call.tried.size === 0 ? members : members.filter((m) => !call.tried.has(m.id));
    const pool = untried.length > 0 ? untried : members;
    return pool[randomInt(this.#deps.rng, pool.length)];
  };

  /** Stops the rotation timer (breakers are shut down by the fleet with their endpoints). */
  close(): void {
    if (this.#rotateTimer !== undefined) this.#deps.clock.clearTimeout(this.#rotateTimer);
    this.#rotateTimer = undefined;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#deps.clock.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.#deps.clock.clearTimeout(handle);
  }

  get epoch(): number {
    return this.#epoch;
  }

  newWindow(): OutcomeWindow {
    return new OutcomeWindow(this.settings.rollingCountBuckets, this.#epoch);
  }

  mayEject(breaker: EndpointBreaker): boolean {
    if (this.#ejected.has(breaker)) return true;
    const pct = this.settings.maxEjectionPercent;
    const members = this.#deps.fleet.snapshot.members.length;
    const cap = pct === 0 ? 0 : Math.max(1, Math.floor((pct * members) / 100));
    return this.#ejected.size < cap && (this.#deps.mayEject?.(breaker.endpoint) ?? true);
  }

  changed(breaker: EndpointBreaker, from: BreakerState, to: BreakerState): void {
    if (to === 'closed') this.#ejected.delete(breaker);
    else this.#ejected.add(breaker);
    const { events, service, clock } = this.#deps;
    const name = to === 'open' ? 'breaker-open' : to === 'half-open' ? 'breaker-half-open' : 'breaker-close';
    const health = from === 'closed' ? 'endpoint-ejected' : to === 'closed' ? 'endpoint-restored' : undefined;
    if (!events.wants(name) && (health === undefined || !events.wants(health))) return;
    const event = { service, time: clock.now(), endpoint: breaker.endpoint.id, url: breaker.endpoint.endpoint.url };
    events.emit(name, event);
    if (health !== undefined) events.emit(health, event);
  }

  released(breaker: EndpointBreaker): void {
    this.#ejected.delete(breaker);
    if (--this.#breakers === 0) this.close();
  }

  #armRotation(): void {
    const interval = this.settings.rollingCountTimeout / this.settings.rollingCountBuckets;
    const rotate = (): void => {
      this.#epoch++;
      this.#rotateTimer = this.#deps.clock.setTimeout(rotate, interval);
    };
    this.#rotateTimer = this.#deps.clock.setTimeout(rotate, interval);
  }
}
