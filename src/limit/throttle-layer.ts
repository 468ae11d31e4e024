import type { Middleware } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import { ThrottledError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Rng } from '../core/rng.js';
import { AdaptiveThrottle, type AdaptiveThrottleSettings } from './adaptive-throttle.js';
import { errorSignal, replySignal } from './overload-signal.js';

/** What the throttle layer needs from the client. */
export interface ThrottleLayerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
}

/**
 * The client-side adaptive throttling layer ({@link AdaptiveThrottle}): each attempt counts as a
 * request; with the throttle's probability (drawn from the injected RNG) it fails at once with
 * {@link ThrottledError}; otherwise it is sent and counts as accepted unless it shows overload
 * (a 429 or 503 reply, an attempt timeout, a lost connection). Attempts aborted by the caller or
 * refused by a layer below are taken back. A `throttled` event reports each rejection.
 */
export function throttleLayer(settings: AdaptiveThrottleSettings, deps: ThrottleLayerDeps): Middleware {
  const { clock, events, rng, service } = deps;
  const throttle = new AdaptiveThrottle(settings, clock.now());
  return (call, next) => {
    const now = clock.now();
    const p = throttle.probability(now);
    throttle.request(now);
    if (p > 0 && rng.next() < p) {
      if (events.wants('throttled')) events.emit('throttled', { service, time: now, probability: p });
      return Promise.reject(new ThrottledError(p));
    }
    return next(call).then(
      (reply) => {
        if (replySignal(reply) === 'ok') throttle.accept(clock.now());
        return reply;
      },
      (error: unknown) => {
        const signal = errorSignal(call, error);
        if (signal === 'ok') throttle.accept(clock.now());
        else if (signal === 'ignore') throttle.forget(clock.now());
        throw error;
      },
    );
  };
}
