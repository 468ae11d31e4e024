import type { Call, Handler, Middleware, Reply } from '../core/call.js';
import { sleep, type Clock } from '../core/clock.js';
import { RateLimitedError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { LimiterSettings } from './limiter-options.js';
import { TokenBucket } from './token-bucket.js';
import type { TokenSource } from './token-source.js';

/** What the limiter layer needs from the client. */
export interface LimiterLayerDeps {
  readonly service: string;
  readonly clock: Clock;
  readonly events: EventBus;
}

/**
 * The limiter layer, between retry and balance so that every attempt sent takes a token (a
 * downstream quota counts what is sent), from its own bucket or from a shared {@link TokenSource}. With a token at hand the attempt goes on at once (O(1),
 * no allocation); otherwise it reserves one and waits for it, if the wait fits in `maxWait` and
 * the call's deadline, or fails with {@link RateLimitedError}. A `rate-limited` event reports
 * either. A caller's abort during the wait gives the token back.
 */
export function limiterLayer(settings: LimiterSettings, deps: LimiterLayerDeps): Middleware {
  const { clock, events, service } = deps;
  const bucket: TokenSource = settings.source ?? new TokenBucket(settings, clock.now());
  /** No token at hand: reserve one and wait for it, or refuse. */
  const waitForToken = async (call: Call, next: Handler, now: number): Promise<Reply> => {
    const wait = bucket.waitTime(now);
    const rejected = wait > settings.maxWait || now + wait >= call.deadline;
    if (events.wants('rate-limited')) events.emit('rate-limited', { service, time: now, waitMs: wait, rejected });
    if (rejected) throw new RateLimitedError(wait);
    bucket.reserve(now);
    try {
      await sleep(clock, wait, call.signal);
    } catch (error) {
      bucket.refund(clock.now());
      throw error;
    }
    return next(call);
  };
  return (call, next) => {
    const now = clock.now();
    // The common path hands `next`'s promise straight back: an async wrapper returning it would
    // cost two more promise turns per attempt.
    if (bucket.tryAcquire(now)) return next(call);
    return waitForToken(call, next, now);
  };
}
