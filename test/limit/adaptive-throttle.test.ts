import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitOpenError, ThrottledError, TimeoutError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { seededRng } from '../../src/core/rng.js';
import { AdaptiveThrottle } from '../../src/limit/adaptive-throttle.js';
import { throttleLayer } from '../../src/limit/throttle-layer.js';
import { call, record, reply } from '../resilience/fakes.js';

describe('AdaptiveThrottle (SRE book: p = max(0, (requests − K·accepts) / (requests + 1)))', () => {
  it('rejects nothing while the service accepts at least 1/K of the requests', () => {
    const t = new AdaptiveThrottle({ k: 2, windowMs: 1_000 }, 0);
    for (let i = 0; i < 10; i++) t.request(0);
    for (let i = 0; i < 5; i++) t.accept(0);
    expect(t.probability(0)).toBe(0);
  });

  it('rejects with the formula once accepts fall below requests / K', () => {
    const t = new AdaptiveThrottle({ k: 2, windowMs: 1_000 }, 0);
    for (let i = 0; i < 30; i++) t.request(0);
    for (let i = 0; i < 10; i++) t.accept(0);
    expect(t.probability(0)).toBeCloseTo((30 - 2 * 10) / 31, 12);
    const k3 = new AdaptiveThrottle({ k: 3, windowMs: 1_000 }, 0);
    for (let i = 0; i < 30; i++) k3.request(0);
    for (let i = 0; i < 9; i++) k3.accept(0);
    expect(k3.probability(0)).toBeCloseTo(3 / 31, 12);
  });

  it('forgets requests as the rolling window moves past them', () => {
    const t = new AdaptiveThrottle({ k: 2, windowMs: 1_000 }, 0);
    for (let i = 0; i < 10; i++) t.request(0);
    t.request(600);
    expect(t.requests(999)).toBe(11);
    // The window moves one 50 ms slice at a time: at 1 000 the requests of [0, 50) have left it.
    expect(t.requests(1_000)).toBe(1);
    expect(t.probability(1_000)).toBeCloseTo(1 / 2, 12);
    expect(t.requests(1_650)).toBe(0);
    expect(t.probability(5_000)).toBe(0);
  });
});

describe('throttle layer', () => {
  const setup = (k = 2, rng = seededRng(5)) => {
    const clock = new ManualClock();
    const events = new EventBus();
    const layer = throttleLayer({ k, windowMs: 10_000 }, { service: 'svc', clock, rng, events });
    return { clock, events, layer };
  };

  it('sends all while the service accepts, and throttles locally with ThrottledError once it answers 503', async () => {
    const { layer, events } = setup();
    const seen = record(events, 'throttled');
    let sent = 0;
    const ok = () => (sent++, Promise.resolve(reply(200)));
    for (let i = 0; i < 20; i++) await layer(call(0), ok);
    expect(sent).toBe(20);
    const overloaded = () => (sent++, Promise.resolve(reply(503)));
    const outcomes: string[] = [];
    for (let i = 0; i < 200; i++) {
      outcomes.push(await layer(call(0), overloaded).then(() => 'sent', (e: unknown) => (e instanceof ThrottledError ? 'throttled' : 'other')));
    }
    const throttled = outcomes.filter((o) => o === 'throttled').length;
    expect(sent - 20 + throttled).toBe(200);
    // With 20 accepts, the r-th request (r = 21..220) is sent with probability 1 − max(0, (r − 1 − 40) / r).
    let expected = 0;
    for (let r = 21; r <= 220; r++) expected += 1 - Math.max(0, (r - 1 - 40) / r);
    expect(Math.abs(sent - 20 - expected)).toBeLessThanOrEqual(0.15 * expected);
    expect(outcomes.slice(0, 20).every((o) => o === 'sent')).toBe(true);
    expect(seen.length).toBe(throttled);
    expect(seen[0]!.event.probability).toBeGreaterThan(0);
  });

  it('counts timeouts as not accepted and takes back attempts refused below it', async () => {
    let draw = 0.999;
    const { layer } = setup(1, { next: () => draw });
    await layer(call(0), () => Promise.reject(new TimeoutError('attempt', 10))).catch(() => undefined);
    for (let i = 0; i < 50; i++) await layer(call(0), () => Promise.reject(new CircuitOpenError('e0'))).catch(() => undefined);
    // One timed-out request, no accepts; the 50 refusals below said nothing about the service,
    // so the next attempt is rejected with p = (1 − 0) / (1 + 1), not 51 / 52.
    draw = 0.49;
    const result = await layer(call(0), () => Promise.resolve(reply(200))).then(
      () => 'sent',
      (e: unknown) => (e instanceof ThrottledError ? `throttled p=${e.probability}` : 'other'),
    );
    expect(result).toBe('throttled p=0.5');
  });
});
