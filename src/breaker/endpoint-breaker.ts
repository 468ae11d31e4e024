import type { AttemptOutcomeKind } from '../core/attempt-outcome.js';
import type { TimerHandle } from '../core/clock.js';
import { CircuitOpenError } from '../core/errors.js';
import type { EndpointResource, EndpointState, HealthWriter } from '../fleet/endpoint-state.js';
import type { BreakerSettings } from './breaker-options.js';
import type { OutcomeWindow } from './outcome-window.js';

/** A breaker's state: `closed` lets attempts through, `open` ejects, `half-open` admits probes. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What an {@link EndpointBreaker} needs from the breaker layer that owns it. */
export interface BreakerHost {
  readonly settings: BreakerSettings;
  /** The fleet's health writer (the breaker layer's capability). */
  readonly health: HealthWriter;
  /** Arms a timer on the client clock. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** The shared rotation count the layer's one timer advances every bucket length (see {@link OutcomeWindow}). */
  readonly epoch: number;
  /** A new, empty rolling window. */
  newWindow(): OutcomeWindow;
  /** The ejection cap: whether `breaker` may be ejected now. */
  mayEject(breaker: EndpointBreaker): boolean;
  /** Reports a state change (for events and the count of ejected endpoints). */
  changed(breaker: EndpointBreaker, from: BreakerState, to: BreakerState): void;
  /** The breaker was shut down (its endpoint left the fleet). */
  released(breaker: EndpointBreaker): void;
}

/** How an attempt was admitted, in the low bits of its admission token. */
const COUNTED = 0;
const PROBE = 1;
const PANIC = 2;

/**
 * One endpoint's circuit breaker: a rolling window of outcomes for the closed state, and a state
 * machine on the client clock around it.
 *
 * - **closed**: every attempt is counted in an {@link OutcomeWindow} (buckets rotated by the
 *   layer's one shared timer); on a failure, once the window holds `volumeThreshold` attempts, a
 *   failure share above `errorThresholdPercentage` trips the breaker: opossum's rule, counted the
 *   way opossum counts (an attempt when it starts, a failure when it ends). Connection errors,
 *   timeouts and failure statuses (5xx by default) count (the completion seam's `failure`); an
 *   attempt aborted by its caller or a winning hedge, or dropped before it was sent, does not. A
 *   failing reply is still returned, not thrown. Beside the window, Envoy's consecutive rules:
 *   `consecutive5xx` failures in a row, or `consecutiveGatewayFailure` gateway failures in a row
 *   (502/503/504, connection errors, timeouts), trip it too, whatever the volume, so a dead
 *   endpoint is out after a few attempts; a success resets both counts.
 * - **open**: the endpoint's health is `ejected`, so pickers skip it; after `resetTimeout` on the
 *   injected clock the breaker goes half-open. If the ejection cap forbids ejecting it, the trip is
 *   undone (the breaker stays closed, its window kept) and the next failure asks again.
 * - **half-open**: health `probing`; up to `halfOpenProbes` attempts run at once (while every
 *   slot is taken the endpoint is unpickable). The first success closes the breaker with a fresh
 *   window (as Hystrix resets its counts on close); the first failure reopens it for another
 *   `resetTimeout`; an aborted probe frees its slot. So it never stays open without a timer to
 *   half-open it, and never half-open without a free probe slot or a probe in flight.
 *
 * The closed state's window is this library's own rather than an opossum instance's: opossum's
 * `fire` costs more per attempt than the whole pipeline may add to a request (docs/decisions.md).
 */
export class EndpointBreaker implements EndpointResource {
  /** The endpoint this breaker guards. */
  readonly endpoint: EndpointState;
  readonly #host: BreakerHost;
  #window: OutcomeWindow;
  #state: BreakerState = 'closed';
  #timer: TimerHandle | undefined;
  #probes = 0;
  /** Closed-state failures, and gateway failures, since the last success (or other outcome, for gateway ones). */
  #consecutive = 0;
  #consecutiveGateway = 0;
  /** Increases on every transition, so an outcome that arrives after one is ignored. */
  #generation = 0;
  #shutdown = false;

  constructor(endpoint: EndpointState, host: BreakerHost) {
    this.endpoint = endpoint;
    this.#host = host;
    this.#window = host.newWindow();
  }

  /** The breaker's state. */
  get state(): BreakerState {
    return this.#state;
  }

  /** Probes in flight (half-open only). */
  get probes(): number {
    return this.#probes;
  }

  /**
   * Admits one attempt, or throws {@link CircuitOpenError}: closed admits (counting it in the
   * window), half-open admits a probe while a slot is free, and an ejected endpoint (reached by a
   * panic pick) is admitted only with `panic` on. Returns the admission token to give
   * {@link EndpointBreaker.record} when the attempt ends.
   */
  admit(): number {
    const token = this.#generation * 4;
    if (this.#state === 'closed') {
      this.#window.attempt(this.#host.epoch);
      return token + COUNTED;
    }
    if (this.#state === 'half-open' && this.#probes < this.#host.settings.halfOpenProbes) {
      this.#probes++;
      if (this.#probes === this.#host.settings.halfOpenProbes) this.#host.health.set(this.endpoint, 'ejected');
      return token + PROBE;
    }
    if (!this.#host.settings.panic) throw new CircuitOpenError(this.endpoint.id);
    return token + PANIC;
  }

  /**
   * An attempt admitted with `token` ended as `kind` (`gateway`: a failure that is a gateway
   * failure). An outcome from before a transition (the token's generation is not the breaker's)
   * decides nothing.
   */
  record(token: number, kind: AttemptOutcomeKind, gateway = false): void {
    if (Math.floor(token / 4) !== this.#generation || this.#shutdown) return;
    const mode = token % 4;
    if (mode === COUNTED) {
      if (kind === 'ok') {
        this.#consecutive = 0;
        this.#consecutiveGateway = 0;
      } else if (kind === 'failure') this.#failed(gateway);
      // Never sent: it says nothing of the endpoint, so it must not dilute the failure share either.
      else if (kind === 'dropped') this.#window.withdraw(this.#host.epoch);
    } else if (kind === 'ok') {
      this.#close();
    } else if (mode === PROBE && kind === 'failure') {
      this.#open('half-open');
    } else if (mode === PROBE) {
      // An aborted or dropped probe says nothing about the endpoint: free its slot.
      this.#probes--;
      this.#host.health.set(this.endpoint, 'probing');
    }
  }

  /** Shuts the breaker down: clears its timer (the fleet calls this when the endpoint leaves). */
  close(): void {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#generation++;
    if (this.#timer !== undefined) this.#host.clearTimeout(this.#timer);
    this.#host.released(this);
  }

  /** A closed-state attempt failed: count it, and trip if a consecutive rule or the window says so (opossum's rule). */
  #failed(gateway: boolean): void {
    const window = this.#window;
    window.failure(this.#host.epoch);
    const { volumeThreshold, errorThresholdPercentage, consecutive5xx, consecutiveGatewayFailure } = this.#host.settings;
    this.#consecutive++;
    this.#consecutiveGateway = gateway ? this.#consecutiveGateway + 1 : 0;
    if (
      (consecutive5xx !== 0 && this.#consecutive >= consecutive5xx) ||
      (consecutiveGatewayFailure !== 0 && this.#consecutiveGateway >= consecutiveGatewayFailure) ||
      (window.attempts >= volumeThreshold && (window.failures / window.attempts) * 100 > errorThresholdPercentage)
    ) {
      this.#trip();
    }
  }

  /** The window tripped while closed: eject, unless the cap forbids it. */
  #trip(): void {
    if (this.#host.mayEject(this)) this.#open('closed');
  }

  #open(from: BreakerState): void {
    this.#transition('open');
    this.#host.health.set(this.endpoint, 'ejected');
    this.#timer = this.#host.setTimeout(() => this.#halfOpen(), this.#host.settings.resetTimeout);
    this.#host.changed(this, from, 'open');
  }

  #halfOpen(): void {
    this.#timer = undefined;
    if (this.#shutdown) return;
    this.#transition('half-open');
    this.#host.health.set(this.endpoint, 'probing');
    this.#host.changed(this, 'open', 'half-open');
  }

  #close(): void {
    const from = this.#state;
    this.#transition('closed');
    if (this.#timer !== undefined) this.#host.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#window = this.#host.newWindow();
    this.#consecutive = 0;
    this.#consecutiveGateway = 0;
    this.#host.health.set(this.endpoint, 'healthy');
    this.#host.changed(this, from, 'closed');
  }

  #transition(to: BreakerState): void {
    this.#state = to;
    this.#probes = 0;
    this.#generation++;
  }
}
