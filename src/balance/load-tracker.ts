import type { AttemptObserver, AttemptOutcome } from '../core/attempt-outcome.js';
import type { Clock } from '../core/clock.js';
import type { EndpointState, LoadWriter } from '../fleet/endpoint-state.js';
import type { Fleet } from '../fleet/fleet.js';
import { backOffUntil } from './back-off.js';

/**
 * The load tracker: the completion seam's observer that writes each endpoint's load, and the only
 * code that does (it holds the fleet's {@link LoadWriter}). An attempt sent counts in flight until
 * it ends; then it is a latency sample and a request (a failure only for `failure`), and a 429 or
 * 503 records the server's request to back off. An aborted attempt is a sample too (a hedge that
 * lost to a faster endpoint is evidence of this one's latency, as Finagle's peak EWMA counts it),
 * but a dropped one is not: a refusal that took no time must not make an endpoint look fast.
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
    this.#load.finish(endpoint, endedAt - startedAt, endedAt, kind === 'ok', reply && backOffUntil(reply, endedAt, this.#clock));
  }
}
