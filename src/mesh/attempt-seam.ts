import { LoadTracker } from '../balance/load-tracker.js';
import type { BreakerLayer } from '../breaker/breaker-layer.js';
import { errorOutcome, replyOutcome, type AttemptObserver, type AttemptOutcome, type AttemptOutcomeKind } from '../core/attempt-outcome.js';
import type { Call, Middleware, Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import type { Fleet } from '../fleet/fleet.js';

/** What a cluster's completion seam is made of. */
export interface AttemptSeamOptions {
  readonly fleet: Fleet;
  readonly clock: Clock;
  /** The cluster's breakers, if it has them: the seam admits each attempt through them and reports its end. */
  readonly breaker: BreakerLayer | undefined;
  /** The one definition of a failing status (the breaker's `isFailureStatus`, 5xx by default). */
  readonly isFailureStatus: (status: number) => boolean;
}

/** One attempt in progress: what {@link AttemptSeam.begin} returns and {@link AttemptSeam.end} takes. */
export class AttemptRecord implements AttemptOutcome {
  kind: AttemptOutcomeKind = 'dropped';
  endedAt = 0;
  reply: Reply | undefined = undefined;
  error: unknown = undefined;

  /** @internal made by {@link AttemptSeam.begin} only */
  constructor(
    readonly call: Call,
    readonly endpoint: EndpointState,
    readonly startedAt: number,
    /** The breaker's admission token. */
    readonly admission: number,
  ) {}
}

/**
 * The completion seam: where every attempt of a cluster starts and ends, and the one place that
 * classifies its outcome ({@link AttemptOutcomeKind}: ok, failure, dropped, aborted). Placed just
 * below the pick, it tells the call's own listener (the retry layer's record of where its attempts
 * went), admits the attempt through the endpoint's breaker (which may refuse it), and when the
 * attempt settles it tells, in this order and with the same outcome: the load tracker
 * (in-flight counts, latency, back-off), the breaker (its window or its probe), then any observer
 * added with {@link AttemptSeam.observe} (metrics). The simulator drives the same seam through
 * {@link AttemptSeam.begin} and {@link AttemptSeam.end}, so it cannot drift from the client.
 */
export class AttemptSeam {
  readonly #clock: Clock;
  readonly #breaker: BreakerLayer | undefined;
  readonly #isFailureStatus: (status: number) => boolean;
  readonly #load: LoadTracker;
  /** Further observers; replaced, never mutated, so an attempt ending while one is added is safe. */
  #observers: readonly AttemptObserver[] = [];

  constructor({ fleet, clock, breaker, isFailureStatus }: AttemptSeamOptions) {
    this.#clock = clock;
    this.#breaker = breaker;
    this.#isFailureStatus = isFailureStatus;
    this.#load = new LoadTracker(fleet, clock);
  }

  /** Tells `observer` about every attempt from now on; returns a function that stops it. */
  observe(observer: AttemptObserver): () => void {
    this.#observers = [...this.#observers, observer];
    return () => {
      this.#observers = this.#observers.filter((o) => o !== observer);
    };
  }

  /**
   * An attempt of `call` on `endpoint` is about to be sent: admits it through the breaker (which
   * throws `CircuitOpenError` when it refuses; a refused attempt has not started) and tells the
   * observers. End it with {@link AttemptSeam.end}, exactly once.
   */
  begin(call: Call, endpoint: EndpointState): AttemptRecord {
    // The call's sender learns the pick even if the breaker refuses it, so its next attempt goes elsewhere.
    call.listener?.attemptPicked(endpoint);
    const admission = this.#breaker ? this.#breaker.admit(endpoint) : 0;
    const now = this.#clock.now();
    const record = new AttemptRecord(call, endpoint, now, admission);
    this.#load.attemptStarted(endpoint);
    for (const observer of this.#observers) observer.attemptStarted?.(endpoint, now);
    return record;
  }

  /** The attempt `record` ended with `reply`, or failed with `error`: classifies it once and tells every observer. */
  end(record: AttemptRecord, reply: Reply | undefined, error?: unknown): void {
    record.endedAt = this.#clock.now();
    record.reply = reply;
    record.error = error;
    record.kind = reply ? replyOutcome(reply, this.#isFailureStatus) : errorOutcome(record.call, error);
    this.#load.attemptEnded(record);
    this.#breaker?.record(record, record.admission);
    for (const observer of this.#observers) observer.attemptEnded(record);
  }

  /** The seam as a middleware below the balance layer (`call.endpoint` is set). */
  readonly middleware: Middleware = (call, next) => {
    let record: AttemptRecord;
    let pending: Promise<Reply>;
    try {
      record = this.begin(call, call.endpoint!);
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      pending = next(call);
    } catch (error) {
      pending = Promise.reject(error);
    }
    return pending.then(
      (reply) => {
        this.end(record, reply);
        return reply;
      },
      (error: unknown) => {
        this.end(record, undefined, error);
        throw error;
      },
    );
  };
}
