import type { Middleware, Reply } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { ConcurrencyLimitedError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { ConcurrencyLimit } from './concurrency-limit.js';
import { errorSignal, replySignal, type AttemptSignal } from './overload-signal.js';

/** What the concurrency-limit layer needs from the client. */
export interface ConcurrencyLayerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly events: EventBus;
}

/**
 * The adaptive concurrency-limit layer (Netflix concurrency-limits' `SimpleLimiter`): an attempt
 * goes on while fewer than `limit.limit` are in flight, and is shed at once with
 * {@link ConcurrencyLimitedError} otherwise, never queued. Each attempt's end is a sample for the
 * limit: its RTT (taking the slot to the reply's headers), the attempts in flight when it started,
 * and whether it showed overload; attempts aborted by the caller or refused by a layer below are
 * not samples. A `concurrency-limited` event reports each shed attempt.
 */
export function concurrencyLimitLayer(limit: ConcurrencyLimit, deps: ConcurrencyLayerDeps): Middleware {
  const { clock, events, service } = deps;
  let inFlight = 0;
  const finish = (start: number, startedWith: number, signal: AttemptSignal): void => {
    inFlight--;
    if (signal === 'ignore') return;
    const now = clock.now();
    limit.onSample({ now, rttMs: now - start, inFlight: startedWith, dropped: signal === 'overload' });
  };
  return (call, next) => {
    const max = limit.limit;
    if (inFlight >= max) {
      if (events.wants('concurrency-limited')) events.emit('concurrency-limited', { service, time: clock.now(), limit: max });
      return Promise.reject(new ConcurrencyLimitedError(max));
    }
    const startedWith = ++inFlight;
    const start = clock.now();
    let pending: Promise<Reply>;
    try {
      pending = next(call);
    } catch (error) {
      finish(start, startedWith, errorSignal(call, error));
      throw error;
    }
    return pending.then(
      (reply) => {
        finish(start, startedWith, replySignal(reply));
        return reply;
      },
      (error: unknown) => {
        finish(start, startedWith, errorSignal(call, error));
        throw error;
      },
    );
  };
}
