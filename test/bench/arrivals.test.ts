import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../bench/load/arrivals.js';
import type { LoadSpec } from '../../bench/scenario/scenario.js';

const poisson = (rate: number, to = rate): LoadSpec => ({ rate: { from: rate, to }, arrival: 'poisson', timeoutMs: 1_000 });

function drain(schedule: ArrivalSchedule): { at: number[]; keys: string[] } {
  const at: number[] = [];
  const keys: string[] = [];
  for (let t = schedule.next(); t !== undefined; t = schedule.next()) {
    at.push(t);
    keys.push(schedule.key);
  }
  return { at, keys };
}

describe('the arrival schedule', () => {
  it('gives the same times and keys for the same seed, so every strategy is offered the same requests', () => {
    const a = drain(new ArrivalSchedule(poisson(500), 1_000, 200, 7));
    const b = drain(new ArrivalSchedule(poisson(500), 1_000, 200, 7));
    expect(a.at.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(drain(new ArrivalSchedule(poisson(500), 1_000, 200, 8)).at).not.toEqual(a.at);
  });

  it('starts in the warm-up and ends before the window closes, in increasing order', () => {
    const { at } = drain(new ArrivalSchedule(poisson(1_000), 500, 100, 3));
    expect(at[0]).toBeGreaterThanOrEqual(-100);
    expect(at[0]).toBeLessThan(0);
    expect(at[at.length - 1]).toBeLessThan(500);
    expect(at.every((t, i) => i === 0 || t > at[i - 1]!)).toBe(true);
  });

  it('spaces constant arrivals evenly at 1/rate', () => {
    const { at } = drain(new ArrivalSchedule({ rate: { from: 200, to: 200 }, arrival: 'constant', timeoutMs: 1 }, 100, 0, 1));
    expect(at).toHaveLength(19);
    at.forEach((t, i) => expect(t).toBeCloseTo((i + 1) * 5, 9));
  });

  it('draws Poisson arrivals at the offered rate (seeded; 100 000 expected, within 1 %)', () => {
    const { at } = drain(new ArrivalSchedule(poisson(10_000), 10_000, 0, 42));
    expect(Math.abs(at.length - 100_000) / 100_000).toBeLessThan(0.01);
    // Exponential gaps: the coefficient of variation is 1 (within 2 %).
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, g) => a + (g - mean) ** 2, 0) / gaps.length);
    expect(Math.abs(sd / mean - 1)).toBeLessThan(0.02);
  });

  it('ramps the rate linearly over the window (seeded; each half within 3 % of its expected count)', () => {
    const { at } = drain(new ArrivalSchedule(poisson(1_000, 3_000), 10_000, 0, 5));
    const firstHalf = at.filter((t) => t < 5_000).length;
    const secondHalf = at.length - firstHalf;
    // Integral of the rate: 1000→2000/s over 5 s is 7 500 arrivals; 2000→3000/s is 12 500.
    expect(Math.abs(firstHalf / 7_500 - 1)).toBeLessThan(0.03);
    expect(Math.abs(secondHalf / 12_500 - 1)).toBeLessThan(0.03);
  });
});
