import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.js';
import { backoffDelay } from '../../src/retry/backoff.js';
import { parseRetryAfter } from '../../src/retry/retry-after.js';

const envoy = { initial: 25, max: 250, multiplier: 2 };

describe('full-jitter exponential backoff', () => {
  it('draws retry n uniformly below min(max, initial × multiplier^n)', () => {
    const half = { next: () => 0.5 };
    expect([0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, envoy, half))).toEqual([12, 25, 50, 100, 125, 125]);
    const top = { next: () => 0.999_999 };
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, envoy, top))).toEqual([24, 49, 99, 199, 249]);
    expect(backoffDelay(3, envoy, { next: () => 0 })).toBe(0);
  });

  it('gives the same delays for the same seed', () => {
    const a = seededRng(7);
    const b = seededRng(7);
    const delays = [0, 1, 2, 3].map((n) => backoffDelay(n, envoy, a));
    expect(delays).toEqual([0, 1, 2, 3].map((n) => backoffDelay(n, envoy, b)));
    expect(delays).toEqual([1, 49, 20, 48]);
  });

  it('spreads seeded delays over the whole interval (mean near half the ceiling, ±5 %)', () => {
    const rng = seededRng(42);
    let sum = 0;
    for (let i = 0; i < 10_000; i++) sum += backoffDelay(3, envoy, rng);
    expect(sum / 10_000).toBeGreaterThan(100 * 0.95 - 0.5);
    expect(sum / 10_000).toBeLessThan(100 * 1.05 - 0.5);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000);
  });

  it('reads an HTTP-date in all three RFC 9110 formats, relative to the wall clock', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfter('Thursday, 01-Jan-26 12:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Thu Jan  1 12:00:02 2026', now - new Date(now).getTimezoneOffset() * 60_000)).toBe(2_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:59 GMT', now)).toBe(0);
  });

  it('ignores absent and malformed values', () => {
    for (const bad of [undefined, '', '-1', '1.5', '1e3', 'soon', 'Thu, 99 Foo 2026 GMT', []]) {
      expect(parseRetryAfter(bad as string | undefined, now), String(bad)).toBeUndefined();
    }
  });
});
