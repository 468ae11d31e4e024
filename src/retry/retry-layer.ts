import pRetry from 'p-retry';
import { isReplayableBody, type Call, type Handler, type Middleware, type Reply } from '../core/call.js';
import { sleep, type Clock } from '../core/clock.js';
import { RetryBudgetExhaustedError, UnreplayableBodyError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Rng } from '../core/rng.js';
import type { Hedger, LaunchedAttempt } from '../hedge/hedger.js';
import { backoffDelay } from './backoff.js';
import { TriedEndpoints } from './tried-endpoints.js';
import { parseRetryAfter } from './retry-after.js';
import { RetryBudget } from './retry-budget.js';
import type { RetrySettings } from './retry-options.js';

/** What the retry layer needs from the client. */
export interface RetryLayerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
  /** Hedging, when enabled. */
  readonly hedger: Hedger | undefined;
}

/** A reply with a retryable status, thrown so that p-retry's loop sees a failed attempt. */
class RetryableReply extends Error {
  readonly reply: Reply;

  constructor(reply: Reply) {
    super(`retryable status ${reply.status}`);
    this.reply = reply;
  }
}

/**
 * One logical call's progress through its attempts. An unhedged call makes it only once its first
 * attempt has failed; a hedged one from the start, since the hedger launches attempts from it.
 */
interface CallAttempts {
  readonly call: Call;
  /** The endpoints this call's attempts went to, as the completion seam reports their picks. */
  readonly tried: TriedEndpoints;
  /** The next attempt's number. */
  started: number;
}

const ignore = (): void => {};

/**
 * The retry layer. p-retry runs the loop of retries and counts them (the first attempt goes
 * straight through, and only a failure enters p-retry); around it this layer decides each retry
 * (docs/architecture.md, section 2):
 * - only calls safe to repeat (`call.idempotent`) with a replayable body are retried; a stream
 *   body that failed gives {@link UnreplayableBodyError} with the failure as `cause`;
 * - a call that may not be repeated is still retried, with a replayable body, after an attempt
 *   whose request provably never left (`TriedEndpoints.lastWritten` is false: connect refused or failed,
 *   the wait for a connection timed out, an open circuit), as gRPC's transparent retry and Envoy's
 *   `reset-before-request` do;
 * - retryable outcomes are the configured statuses and errors; the body of a reply is never
 *   handed to the caller before the layer has decided, so a retry never follows a consumed body;
 * - the wait is full-jitter backoff from the injected RNG, or the reply's `Retry-After` up to
 *   `maxRetryAfter`, slept on the injected clock (p-retry's own delay is set to 0: its
 *   randomisation is a 1–2× factor and its timers are real);
 * - a retry that cannot start with `minAttemptTime` left before the deadline is not made;
 * - the retry budget must allow it; when it does not, the last reply is returned (or
 *   {@link RetryBudgetExhaustedError} thrown with the last error as `cause`) and a
 *   `budget-exhausted` event fires;
 * - the call keeps one {@link TriedEndpoints} record, every attempt's listener (the completion seam
 *   adds each pick to it); each attempt's `tried` is a copy of it as the attempt starts, so the
 *   balance layer prefers endpoints not tried yet.
 */
export class RetryLayer {
  readonly #settings: RetrySettings;
  readonly #deps: RetryLayerDeps;
  readonly #budget: RetryBudget | undefined;

  /** @param settings - validated retry settings; `retries: 0` with a hedger gives hedging alone */
  constructor(settings: RetrySettings, deps: RetryLayerDeps) {
    this.#settings = settings;
    this.#deps = deps;
    this.#budget = settings.budget ? new RetryBudget(settings.budget, deps.clock.now()) : undefined;
  }

  /** The middleware: one logical call in, one reply out, after as many attempts as allowed. */
  readonly middleware: Middleware = (call, next) => {
    const now = this.#deps.clock.now();
    this.#budget?.deposit(now);
    const hedger = this.#deps.hedger;
    hedger?.deposit(now);
    // A call that may not be repeated is retried only if its request never left; with a stream
    // body it never is, so it goes straight through: one attempt, nothing to track.
    if (!call.idempotent) return isReplayableBody(call.body) ? this.#first(call, next) : next(call);
    return hedger && isReplayableBody(call.body) ? this.#hedged(call, next) : this.#first(call, next);
  };

  /**
   * The first attempt of an unhedged call, the common path: most calls succeed at once, so it
   * allocates only the attempt's call and its `tried` record, awaits once, and leaves the record of
   * the call's attempts, p-retry and its closures to a failure.
   */
  async #first(call: Call, next: Handler): Promise<Reply> {
    const tried = new TriedEndpoints(call);
    let failure: unknown;
    try {
      const reply = await next({ ...call, listener: tried });
      if (!this.#settings.statuses.has(reply.status)) return reply;
      failure = new RetryableReply(reply);
    } catch (error) {
      failure = error;
    }
    const state: CallAttempts = { call, tried, started: call.attempt + 1 };
    return this.#afterFailure(state, next, failure);
  }

  /** A hedged call: every attempt, the first included, runs through the hedger. */
  async #hedged(call: Call, next: Handler): Promise<Reply> {
    // Numbering and the tried set continue from what an outer middleware may already have sent.
    const state: CallAttempts = { call, tried: new TriedEndpoints(call), started: call.attempt };
    try {
      return await this.#attempt(state, next);
    } catch (error) {
      return this.#afterFailure(state, next, error);
    }
  }

  /**
   * After the first attempt failed (`failure` is its error, or a {@link RetryableReply}): once
   * this first failure's decision is taken, p-retry runs the loop of retries.
   */
  async #afterFailure(state: CallAttempts, next: Handler, failure: unknown): Promise<Reply> {
    const { call } = state;
    try {
      if (this.#settings.retries === 0 || !(failure instanceof Error) || !(await this.#shouldRetry(state, failure, 0))) throw failure;
      return await pRetry(() => this.#attempt(state, next), {
        retries: this.#settings.retries - 1,
        // The wait is slept in shouldRetry, on the injected clock.
        minTimeout: 0,
        shouldRetry: ({ error, retriesConsumed }) => this.#shouldRetry(state, error, retriesConsumed + 1),
      });
    } catch (error) {
      if (error instanceof RetryableReply) return error.reply;
      if (call.signal?.aborted) throw call.signal.reason;
      throw error;
    }
  }

  async #attempt(state: CallAttempts, next: Handler): Promise<Reply> {
    const hedger = this.#deps.hedger;
    const reply =
      hedger && state.call.idempotent && isReplayableBody(state.call.body)
        ? await hedger.run(state.call, (signal) => this.#launch(state, next, signal))
        : await this.#launch(state, next, state.call.signal).reply;
    if (this.#settings.statuses.has(reply.status)) throw new RetryableReply(reply);
    return reply;
  }

  #launch(state: CallAttempts, next: Handler, signal: AbortSignal | undefined): LaunchedAttempt {
    const attempt = state.started++;
    const { tried } = state;
    // Each attempt sees the endpoints tried before it; the seam adds its own pick to the call's record.
    return { attempt, reply: next({ ...state.call, signal, attempt, tried: new Set(tried), listener: tried }) };
  }

  async #shouldRetry(state: CallAttempts, error: Error, retriesConsumed: number): Promise<boolean> {
    const { call } = state;
    if (call.signal?.aborted) return false;
    const reply = error instanceof RetryableReply ? error.reply : undefined;
    if (!reply && !this.#settings.isRetryableError(error)) return false;
    // Not idempotent: only an attempt the server cannot have seen is repeated (never hedged, so the one picked last failed).
    if (!call.idempotent && (reply || state.tried.lastWritten)) return false;
    if (!isReplayableBody(call.body)) {
      if (reply) return false;
      throw new UnreplayableBodyError({ cause: error });
    }
    const { clock, rng, events, service } = this.#deps;
    const now = clock.now();
    let delay: number;
    const retryAfter = reply ? parseRetryAfter(reply.headers['retry-after'], clock.wallNow()) : undefined;
    if (retryAfter !== undefined) {
      if (retryAfter > this.#settings.maxRetryAfter) return false;
      delay = retryAfter;
    } else {
      delay = backoffDelay(retriesConsumed, this.#settings.backoff, rng);
    }
    // Deadline-aware: a retry that could not run before the deadline is not started.
    if (now + delay + this.#settings.minAttemptTime > call.deadline) return false;
    if (this.#budget && !this.#budget.tryWithdraw(now)) {
      if (events.wants('budget-exhausted')) events.emit('budget-exhausted', { service, time: now, kind: 'retry' });
      if (reply) return false;
      throw new RetryBudgetExhaustedError({ cause: error });
    }
    if (events.wants('retry')) {
      events.emit('retry', { service, time: now, attempt: state.started, delayMs: delay, reason: reply ? `status ${reply.status}` : errorReason(error) });
    }
    reply?.body.dump().catch(ignore);
    await sleep(clock, delay, call.signal);
    return true;
  }
}

/** A short reason for the `retry` event: the error's code, else its class name. */
function errorReason(error: Error): string {
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'string' ? code : error.name;
}
