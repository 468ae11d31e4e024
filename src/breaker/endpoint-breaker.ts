import CircuitBreaker from 'opossum';
import type { Call, Handler, Reply } from '../core/call.js';
import type { TimerHandle } from '../core/clock.js';
import { CircuitOpenError } from '../core/errors.js';
import type { EndpointResource, EndpointState } from '../fleet/endpoint-state.js';
import type { BreakerSettings } from './breaker-options.js';

/** A breaker's state: `closed` lets attempts through, `open` ejects, `half-open` admits probes. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** The opossum instance behind one endpoint: it fires `(call, next)` and resolves to a reply. */
export type Circuit = CircuitBreaker<[Call, Handler], Reply>;

/** What an {@link EndpointBreaker} needs from the breaker layer that owns it. */
export interface BreakerHost {
  readonly settings: BreakerSettings;
  /** Arms a timer on the client clock. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** A new opossum instance for `endpoint` (shared options and bucket rotation). */
  newCircuit(endpoint: EndpointState): Circuit;
  /** The ejection cap: whether `breaker` may be ejected now. */
  mayEject(breaker: EndpointBreaker): boolean;
  /** Reports a state change (for events and the count of ejected endpoints). */
  changed(breaker: EndpointBreaker, from: BreakerState, to: BreakerState): void;
  /** The breaker was shut down (its endpoint left the fleet). */
  released(breaker: EndpointBreaker): void;
}

/** A reply whose status counts as a failure, thrown through opossum so it is counted, then unwrapped. */
export class FailedReply {
  constructor(readonly reply: Reply) {}
}

function unwrapFailedReply(error: unknown): Reply {
  if (error instanceof FailedReply) return error.reply;
  throw error;
}

type Outcome = 'success' | 'failure' | 'neutral';

/**
 * One endpoint's circuit breaker: an opossum breaker for the closed state, and a state machine on
 * the client clock around it.
 *
 * - **closed**: every attempt is fired through opossum, which keeps the rolling window (buckets
 *   rotated by the layer's one shared timer) and opens when, past `volumeThreshold` attempts,
 *   the failure share exceeds `errorThresholdPercentage`. Connection errors, timeouts and
 *   failure statuses (5xx by default) count; an attempt aborted by its caller or by a winning
 *   hedge does not.
 * - **open**: the endpoint's health is `ejected`, so pickers skip it; after `resetTimeout` on the
 *   injected clock the breaker goes half-open. If the ejection cap forbids ejecting it, the trip is
 *   undone (opossum closed again, its window kept) and the next failure asks again.
 * - **half-open**: health `probing`; up to `halfOpenProbes` attempts run at once, bypassing the
 *   open opossum instance (while every slot is taken the endpoint is unpickable). The first success
 *   closes the breaker with a fresh opossum instance (a fresh window, as Hystrix resets its counts
 *   on close); the first failure reopens it for another `resetTimeout`; an aborted probe frees its
 *   slot. So it never stays open without a timer to half-open it, and never half-open without a
 *   free probe slot or a probe in flight.
 *
 * opossum's own half-open timer and attempt timeout are not used: its `resetTimeout` is set beyond
 * reach (the timer it arms when opening is cleared on close and shutdown), because time here is the
 * injected clock's; attempt timeouts belong to the transport.
 */
export class EndpointBreaker implements EndpointResource {
  /** The endpoint this breaker guards. */
  readonly endpoint: EndpointState;
  readonly #host: BreakerHost;
  #circuit: Circuit;
  #state: BreakerState = 'closed';
  #timer: TimerHandle | undefined;
  #probes = 0;
  /** Increases on every transition, so an outcome that arrives after one is ignored. */
  #generation = 0;
  #shutdown = false;

  constructor(endpoint: EndpointState, host: BreakerHost) {
    this.endpoint = endpoint;
    this.#host = host;
    this.#circuit = this.#newCircuit();
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
   * Runs one attempt through the breaker. An attempt that reaches an ejected endpoint came from a
   * panic pick: with `panic` on it is sent (and a success closes the breaker), otherwise it fails
   * with {@link CircuitOpenError} without being sent.
   */
  run(call: Call, next: Handler): Promise<Reply> {
    if (this.#state === 'closed') return this.#circuit.fire(call, next).catch(unwrapFailedReply);
    if (this.#state === 'half-open' && this.#probes < this.#host.settings.halfOpenProbes) {
      this.#probes++;
      if (this.#probes === this.#host.settings.halfOpenProbes) this.endpoint.setHealth('ejected');
      return this.#observe(call, next, true);
    }
    if (!this.#host.settings.panic) return Promise.reject(new CircuitOpenError(this.endpoint.id));
    return this.#observe(call, next, false);
  }

  /** Shuts the breaker down: clears its timers and opossum's (the fleet calls this when the endpoint leaves). */
  close(): void {
    if (this.#shutdown) return;
    this.#shutdown = true;
    this.#generation++;
    if (this.#timer !== undefined) this.#host.clearTimeout(this.#timer);
    this.#circuit.shutdown();
    this.#host.released(this);
  }

  #newCircuit(): Circuit {
    const circuit = this.#host.newCircuit(this.endpoint);
    circuit.on('open', () => this.#trip());
    return circuit;
  }

  /** opossum opened while closed: eject, unless the cap forbids it. */
  #trip(): void {
    if (this.#shutdown || this.#state !== 'closed') return;
    if (!this.#host.mayEject(this)) {
      this.#circuit.close();
      return;
    }
    this.#open('closed');
  }

  #open(from: BreakerState): void {
    this.#transition('open');
    this.endpoint.setHealth('ejected');
    this.#timer = this.#host.setTimeout(() => this.#halfOpen(), this.#host.settings.resetTimeout);
    this.#host.changed(this, from, 'open');
  }

  #halfOpen(): void {
    this.#timer = undefined;
    if (this.#shutdown) return;
    this.#transition('half-open');
    this.endpoint.setHealth('probing');
    this.#host.changed(this, 'open', 'half-open');
  }

  #close(): void {
    const from = this.#state;
    this.#transition('closed');
    if (this.#timer !== undefined) this.#host.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#circuit.shutdown();
    this.#circuit = this.#newCircuit();
    this.endpoint.setHealth('healthy');
    this.#host.changed(this, from, 'closed');
  }

  #transition(to: BreakerState): void {
    this.#state = to;
    this.#probes = 0;
    this.#generation++;
  }

  async #observe(call: Call, next: Handler, probe: boolean): Promise<Reply> {
    const generation = this.#generation;
    let outcome: Outcome = 'failure';
    try {
      const reply = await next(call);
      outcome = this.#host.settings.isFailureStatus(reply.status) ? 'failure' : 'success';
      return reply;
    } catch (error) {
      if (call.signal?.aborted) outcome = 'neutral';
      throw error;
    } finally {
      if (generation === this.#generation && !this.#shutdown) this.#settle(outcome, probe);
    }
  }

  #settle(outcome: Outcome, probe: boolean): void {
    if (outcome === 'success') {
      this.#close();
    } else if (probe && outcome === 'failure') {
      this.#open('half-open');
    } else if (probe) {
      // An aborted probe says nothing about the endpoint: free its slot.
      this.#probes--;
      this.endpoint.setHealth('probing');
    }
  }
}
