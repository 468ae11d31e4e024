import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.js';
import { aimdLimit } from '../../src/limit/aimd-limit.js';
import { log10Step, type ConcurrencyLimit } from '../../src/limit/concurrency-limit.js';
import { fixedLimit } from '../../src/limit/fixed-limit.js';
import { gradient2Limit } from '../../src/limit/gradient2-limit.js';
import { vegasLimit } from '../../src/limit/vegas-limit.js';

/** Feeds `[rttMs, inFlight, dropped?]` samples and returns the limit after each. */
function feed(limit: ConcurrencyLimit, samples: readonly (readonly [number, number, boolean?])[]): number[] {
  return samples.map(([rttMs, inFlight, dropped = false], i) => {
    limit.onSample({ now: i, rttMs, inFlight, dropped });
    return limit.limit;
  });
}

describe('AIMD limit', () => {
  const settings = { initialLimit: 20, minLimit: 1, maxLimit: 22, backoffRatio: 0.9, timeoutMs: 100 };

  it('adds one per sample while the limit is in use, up to maxLimit', () => {
    expect(feed(aimdLimit(settings), [[10, 10], [10, 11], [10, 11]])).toEqual([21, 22, 22]);
  });

  it('multiplies by backoffRatio on a drop or an RTT above timeoutMs', () => {
    expect(feed(aimdLimit(settings), [[10, 10, true], [150, 5]])).toEqual([18, 16]);
  });

  it('does not grow while the caller uses under half the limit', () => {
    expect(feed(aimdLimit(settings), [[10, 9], [10, 9]])).toEqual([20, 20]);
  });

  it('falls by at least one per drop and never below minLimit', () => {
    const limit = aimdLimit({ ...settings, initialLimit: 3, minLimit: 2, backoffRatio: 0.99 });
    expect(feed(limit, [[1, 1, true], [1, 1, true]])).toEqual([2, 2]);
  });
});

describe('Vegas limit', () => {
  const settings = { initialLimit: 20, minLimit: 1, maxLimit: 1_000, smoothing: 1, probeMultiplier: 30 };

  it('grows by 6·log10 steps without queueing, falls by one step past beta, holds in between', () => {
    const limit = vegasLimit(settings, seededRng(1));
    // 1st sample sets the no-load RTT; 10 ms again: queue 0 -> +6; 20 ms: queue ceil(26·0.5) = 13 > 6 -> -1;
    // 12 ms: queue ceil(25·(1 - 10/12)) = 5, between alpha 3 and beta 6 -> hold; a drop -> -1.
    expect(feed(limit, [[10, 20], [10, 20], [20, 26], [12, 25], [11, 25, true]])).toEqual([20, 26, 25, 25, 24]);
  });

  it('takes a lower RTT as the new no-load RTT and ignores an app-limited caller', () => {
    const limit = vegasLimit(settings, seededRng(1));
    feed(limit, [[10, 20], [5, 20], [10, 5]]);
    expect(limit.limit).toBe(20);
    expect((limit as unknown as { rttNoLoad: number }).rttNoLoad).toBe(5);
  });

  it('re-probes the no-load RTT every probeMultiplier × limit samples, jittered by 0.5-1', () => {
    const limit = vegasLimit({ ...settings, initialLimit: 2, maxLimit: 2, probeMultiplier: 2 }, seededRng(7));
    // A probe is due after at most 2 × 2 samples: the no-load RTT then rises from 10 to the current 40.
    feed(limit, [[10, 2], [40, 2], [40, 2], [40, 2], [40, 2]]);
    expect((limit as unknown as { rttNoLoad: number }).rttNoLoad).toBe(40);
  });

  it('uses max(1, floor(log10(limit))) as its step', () => {
    expect([1, 9, 10, 99, 100, 2_000].map(log10Step)).toEqual([1, 1, 1, 1, 2, 3]);
  });
});

describe('Gradient2 limit', () => {
  const settings = { initialLimit: 20, minLimit: 1, maxLimit: 200, smoothing: 0.2, queueSize: 4, longWindow: 600 };

  it('grows by smoothing × queueSize per sample at the baseline RTT and shrinks by the RTT gradient', () => {
    const limit = gradient2Limit(settings);
    // 20 -> 20.8 -> 21.6; then RTT 20 against a long-term mean of 13.33: gradient 0.667,
    // new = 21.6 × 0.667 + 4 = 18.4, smoothed 0.8 × 21.6 + 0.2 × 18.4 = 20.96.
    expect(feed(limit, [[10, 20], [10, 20], [20, 21]])).toEqual([20, 21, 20]);
  });

  it('never cuts by more than half per estimate, and clamps to [minLimit, maxLimit]', () => {
    const limit = gradient2Limit({ ...settings, initialLimit: 10, minLimit: 8, smoothing: 1, queueSize: 0 });
    // RTT 100 against a long-term mean of 55: the gradient is floored at 0.5 -> 5, clamped to 8.
    expect(feed(limit, [[10, 10], [100, 10]])).toEqual([10, 8]);
  });

  it('does not move while the caller uses under half the limit', () => {
    expect(feed(gradient2Limit(settings), [[10, 5], [50, 9]])).toEqual([20, 20]);
  });

  it('cuts the long-term RTT by 10 % when it is over twice the latest, so the limit recovers sooner', () => {
    const limit = gradient2Limit(settings);
    feed(limit, Array.from({ length: 10 }, () => [100, 1] as const));
    feed(limit, [[10, 1]]);
    // After the 10-sample warm-up the average moves by 2 / (600 + 1) per sample: 99.7 > 2 × 10, so it is cut to 89.7.
    const f = 2 / 601;
    expect((limit as unknown as { longRtt: number }).longRtt).toBeCloseTo((100 * (1 - f) + 10 * f) * 0.9, 9);
  });
});

describe('fixed limit', () => {
  it('never moves', () => {
    expect(feed(fixedLimit(3), [[1, 3, true], [1_000, 3]])).toEqual([3, 3]);
  });
});
