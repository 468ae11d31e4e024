import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { RateLimitedError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { limiterLayer } from '../../src/limit/limiter-layer.js';
import { parseLimiterOptions, type LimiterSettings } from '../../src/limit/limiter-options.js';
import type { TokenSource } from '../../src/limit/token-source.js';
import { TokenBucket } from '../../src/limit/token-bucket.js';
import { call, flush, record, reply } from './fakes.js';

describe('token bucket', () => {
  it('starts full, gives out its burst, then refills at the rate', () => {
    const bucket = new TokenBucket({ rate: 10, burst: 3 }, 0);
    expect([1, 2, 3, 4].map(() => bucket.tryAcquire(0))).toEqual([true, true, true, false]);
    expect(bucket.tryAcquire(99)).toBe(false);
    expect(bucket.tryAcquire(100)).toBe(true);
    expect(bucket.tokens(250)).toBeCloseTo(1.5, 9);
    // Never more than the burst, however long it sat.
    expect(bucket.tokens(1_000_000)).toBe(3);
  });

  it('tells the exact wait for the next token and serves reservations in order', () => {
    const bucket = new TokenBucket({ rate: 4, burst: 1 }, 0);
    expect(bucket.waitTime(0)).toBe(0);
    expect(bucket.reserve(0)).toBe(0);
    expect(bucket.reserve(0)).toBe(250);
    expect(bucket.reserve(0)).toBe(500);
    expect(bucket.waitTime(100)).toBe(650);
    bucket.refund(100);
    expect(bucket.waitTime(100)).toBe(400);
  });

  it('never refunds past the burst', () => {
    const bucket = new TokenBucket({ rate: 1, burst: 2 }, 0);
    bucket.refund(0);
    expect(bucket.tokens(0)).toBe(2);
  });
});

describe('limiter layer', () => {
  it('lets calls through while tokens last and rejects with RateLimitedError when maxWait is 0', async () => {
    const clock = new ManualClock();
    const events = new EventBus();
    const seen = record(events, 'rate-limited');
    const limited = limiterLayer({ rate: 2, burst: 2, maxWait: 0 }, { service: 'svc', clock, events });
    const next = async () => reply(200);
    await limited(call(0), next);
    await limited(call(0), next);
    const error = await limited(call(0), next).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(500);
    expect(seen).toEqual([{ name: 'rate-limited', event: { service: 'svc', time: 0, waitMs: 500, rejected: true } }]);
  });

  it('waits for a token on the clock when the wait fits in maxWait', async () => {
    const clock = new ManualClock();
    const events = new EventBus();
    const seen = record(events, 'rate-limited');
    const limited = limiterLayer({ rate: 10, burst: 1, maxWait: 1_000 }, { service: 'svc', clock, events });
    let sent = 0;
    const next = async () => (sent++, reply(200));
    await limited(call(0), next);
    const second = limited(call(0), next);
    const third = limited(call(0), next);
    await flush();
    expect(sent).toBe(1);
    clock.advance(100);
    await second;
    expect(sent).toBe(2);
    clock.advance(100);
    await third;
    expect(sent).toBe(3);
    expect(seen.map((s) => s.event.waitMs)).toEqual([100, 200]);
  });

  it('rejects rather than wait past the call deadline', async () => {
    const clock = new ManualClock();
    const limited = limiterLayer({ rate: 1, burst: 1, maxWait: 60_000 }, { service: 'svc', clock, events: new EventBus() });
    await limited(call(0), async () => reply(200));
    await expect(limited(call(0, { deadline: 500 }), async () => reply(200))).rejects.toBeInstanceOf(RateLimitedError);
  });

  it('gives the token back when the caller aborts the wait', async () => {
    const clock = new ManualClock();
    const limited = limiterLayer({ rate: 1, burst: 1, maxWait: 5_000 }, { service: 'svc', clock, events: new EventBus() });
    await limited(call(0), async () => reply(200));
    const controller = new AbortController();
    const waiting = limited(call(0, { signal: controller.signal }), async () => reply(200));
    controller.abort(new Error('gave up'));
    await expect(waiting).rejects.toThrow('gave up');
    expect(clock.pendingTimers).toBe(0);
    clock.advance(1_000);
    // The refunded reservation is available again: one token after one second.
    let sent = 0;
    await limited(call(1_000), async () => (sent++, reply(200)));
    expect(sent).toBe(1);
  });
});

describe('limiter layer over a shared token source (limiter: { source })', () => {
  it('takes its tokens from the source, shared with other clients, and refuses at once when the source cannot say when one comes', async () => {
    const clock = new ManualClock();
    let tokens = 2;
    const source: TokenSource = {
      tryAcquire: () => (tokens > 0 ? (tokens--, true) : false),
      waitTime: () => (tokens > 0 ? 0 : Infinity),
      reserve: () => Infinity,
      refund: () => void tokens++,
    };
    const settings = parseLimiterOptions({ source, maxWait: Infinity });
    expect(settings).toMatchObject({ source });
    const a = limiterLayer(settings as LimiterSettings, { service: 'a', clock, events: new EventBus() });
    const b = limiterLayer(settings as LimiterSettings, { service: 'b', clock, events: new EventBus() });
    const next = async () => reply(200);
    await a(call(0), next);
    await b(call(0), next);
    const error = await a(call(0), next).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects a source that is not a TokenSource, and a source beside rate, naming limiter.source', () => {
    expect(() => parseLimiterOptions({ source: { tryAcquire() {} } })).toThrow(expect.objectContaining({ option: 'limiter.source' }));
    expect(() => parseLimiterOptions({ source: new TokenBucket({ rate: 1, burst: 1 }, 0), rate: 5 })).toThrow(expect.objectContaining({ option: 'limiter.source' }));
  });
});
