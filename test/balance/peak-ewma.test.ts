import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decayedPeakEwma, isStalePeakEwma, observePeakEwma } from '../../src/fleet/peak-ewma.js';
import { peakEwma, seededRng } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, simulate, share } from './support/fleet.js';
import { load } from '../support/endpoint-writers.js';

describe('the peak-EWMA estimate', () => {
  it('takes the first sample as it is (no sample yet: stamp -Infinity), jumps to a higher one, blends a lower one with weight 1 - exp(-Δt/τ)', () => {
    expect(observePeakEwma(0, -Infinity, 10, 0, 1_000, Infinity)).toBe(10);
    expect(observePeakEwma(0, -Infinity, 0, 0, 1_000, Infinity)).toBe(0);
    expect(observePeakEwma(10, 0, 50, 100, 1_000, Infinity)).toBe(50);
    expect(observePeakEwma(50, 100, 20, 1_100, 1_000, Infinity)).toBeCloseTo(50 * Math.exp(-1) + 20 * (1 - Math.exp(-1)), 12);
  });

  it('reads as decayed toward zero since the last sample', () => {
    expect(decayedPeakEwma(40, 0, 0, 1_000, Infinity)).toBe(40);
    expect(decayedPeakEwma(40, 0, 2_000, 1_000, Infinity)).toBeCloseTo(40 * Math.exp(-2), 12);
    expect(decayedPeakEwma(40, 500, 0, 1_000, Infinity)).toBe(40);
    expect(decayedPeakEwma(0, -Infinity, 0, 1_000, Infinity)).toBe(0);
  });

  it('goes stale once no sample came for the staleness limit: it reads as 0, and the next sample is taken as it is', () => {
    expect(isStalePeakEwma(-Infinity, 0, 2_000)).toBe(true);
    expect(isStalePeakEwma(0, 2_000, 2_000)).toBe(false);
    expect(isStalePeakEwma(0, 2_001, 2_000)).toBe(true);
    expect(decayedPeakEwma(150, 0, 2_000, 10_000, 2_000)).toBeCloseTo(150 * Math.exp(-0.2), 12);
    expect(decayedPeakEwma(150, 0, 2_001, 10_000, 2_000)).toBe(0);
    expect(observePeakEwma(150, 0, 1, 2_000, 10_000, 2_000)).toBeCloseTo(150 * Math.exp(-0.2) + 1 - Math.exp(-0.2), 12);
    expect(observePeakEwma(150, 0, 1, 2_001, 10_000, 2_000)).toBe(1);
  });

  it('stays between the lower of the old cost and the sample and the higher of them, and never decays below zero', () => {
    const ms = fc.double({ min: 0, max: 1e6, noNaN: true });
    fc.assert(
      fc.property(ms, ms, ms, ms, (cost, latency, stamp, later) => {
        const next = observePeakEwma(cost, stamp, latency, stamp + later, 10_000, Infinity);
        expect(next).toBeGreaterThanOrEqual(Math.min(cost, latency) - 1e-9 * cost);
        expect(next).toBeLessThanOrEqual(Math.max(cost, latency));
        const decayed = decayedPeakEwma(next, stamp, stamp + later, 10_000, Infinity);
        expect(decayed).toBeGreaterThanOrEqual(0);
        expect(decayed).toBeLessThanOrEqual(next);
      }),
      { seed: 44 },
    );
  });
});

describe('peak-ewma', () => {
  // Five endpoints at 10 ms, a request every millisecond (about two in flight per endpoint), τ = 10 s.
  async function scenario() {
    const { fleet, clock } = fleetOf(endpoints(5));
    const picker = await pickerFor(peakEwma(), fleet, clock, seededRng(1));
    let slowdown = 1;
    const run = (requests: number) => simulate({ clock, picker, requests, intervalMs: 1, latency: (s) => (s.id === 'e0' ? 10 * slowdown : 10) });
    const before = share(run(5_000).slice(-2_000), 'e0');
    return { before, run, setSlowdown: (f: number) => (slowdown = f) };
  }

  it('moves at least 90 % of the traffic off an endpoint that turns 10× slower, within 200 requests', async () => {
    const { before, run, setSlowdown } = await scenario();
    expect(before).toBeGreaterThan(0.18);
    setSlowdown(10);
    const after = run(1_200);
    expect(share(after.slice(200), 'e0')).toBeLessThanOrEqual(0.1 * before);
  });

  it('returns traffic to the endpoint once it is fast again (80 % of its share within 4τ)', async () => {
    const { before, run, setSlowdown } = await scenario();
    setSlowdown(10);
    run(2_000);
    setSlowdown(1);
    run(40_000);
    expect(share(run(5_000), 'e0')).toBeGreaterThanOrEqual(0.8 * before);
  });

  it('handles an endpoint without latency history as Finagle does: free while idle, last while its first requests are out', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const [known, fresh] = fleet.snapshot.members;
    load.start(known!);
    load.finish(known!, 1_000, 0, true);
    const picker = await pickerFor(peakEwma(), fleet, clock);
    expect(picker.pick(call(), 0)).toBe(fresh);
    load.start(fresh!);
    for (let i = 0; i < 10; i++) expect(picker.pick(call(), 0)).toBe(known);
  });
});
