import type { AttemptObserver, AttemptOutcome } from '../core/attempt-outcome.js';
import type { Clock } from '../core/clock.js';
import type { EndpointState, LoadWriter } from '../fleet/endpoint-state.js';
import type { Fleet } from '../fleet/fleet.js';
import { DEFAULTS } from '../defaults.js';
import { backOffUntil } from './back-off.js';

/**
 * The latency sample (ms) a failed attempt counts as: `max(observed, factor × estimate, floor)`,
 * where `estimate` is the endpoint's latency estimate as load-aware balancers read it now. A
 * refused connection fails in under a millisecond; taken as it is, it would make a dead endpoint
 * the fastest of the fleet (Finagle's `PeakEwma` has no failure penalty; linkerd penalises
 * failures the same way). With the peak rule each further failure at least doubles the estimate,
 * and the floor ranks an endpoint without history (or with a stale one) behind fast peers at once.
 */
export function failureLatency(observedMs: number, estimateMs: number): number {
  const { factor, floorMs } = DEFAULTS.failurePenalty;
  return Math.max(observedMs, factor * estimateMs, floorMs);
}

/**
 * The load tracker: the completion seam's observer that writes each endpoint's load, and the only
 * code that does (it holds the fleet's {@link LoadWriter}). An attempt sent counts in flight until
 * it ends; then it is a latency sample and a request (a failure only for `failure`), and a 429 or
 * 503 records the server's request to back off. An aborted attempt is a sample too (a hedge that
 * lost to a faster endpoint is evidence of this one's latency, as Finagle's peak EWMA counts it),
 * but a dropped one is not: a refusal that took no time must not make an endpoint look fast.
 * A failure's sample is at least a penalty ({@link failureLatency}), so a failing endpoint loses
 * rank at once under peak-ewma and least-response-time.
 */
export class LoadTracker implements AttemptObserver {
  readonly #load: LoadWriter;
  readonly #clock: Clock;

  constructor(fleet: Fleet, clock: Clock) {
    this.#load = fleet.claimLoadWriter();
    this.#clock = clock;
  }

  attemptStarted(endpoint: EndpointState): void {
    this.#load.start(endpoint);
  }

  attemptEnded({ kind, endpoint, startedAt, endedAt, reply }: AttemptOutcome): void {
    if (kind === 'dropped') {
      this.#load.abandon(endpoint);
      return;
    }
    const observed = endedAt - startedAt;
    const latency = kind === 'failure' ? failureLatency(observed, endpoint.ewmaAt(endedAt)) : observed;
    this.#load.finish(endpoint, latency, endedAt, kind === 'ok', reply && backOffUntil(reply, endedAt, this.#clock));
  }
}
