import { describe, expect, it } from 'vitest';
import { PeakEwma } from '../../src/fleet/peak-ewma.js';
import { peakEwma, seededRng } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, simulate, share } from './support/fleet.js';

describe('PeakEwma', () => {
  it('jumps to a higher sample, blends a lower one with weight 1 - exp(-Δt/τ)', () => {
    const ewma = new PeakEwma(1_000, 0);
    ewma.observe(10, 0);
    ewma.observe(50, 100);
    expect(ewma.value).toBe(50);
    ewma.observe(20, 1_100);
    expect(ewma.value).toBeCloseTo(50 * Math.exp(-1) + 20 * (1 - Math.exp(-1)), 12);
  });

  it('reads as decayed toward zero since the last sample, without changing the estimate', () => {
    const ewma = new PeakEwma(1_000, 0);
    ewma.observe(40, 0);
    expect(ewma.valueAt(0)).toBe(40);
    expect(ewma.valueAt(2_000)).toBeCloseTo(40 * Math.exp(-2), 12);
    expect(ewma.value).toBe(40);
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
    known!.start();
    known!.finish(1_000, 0, true);
    const picker = await pickerFor(peakEwma(), fleet, clock);
    expect(picker.pick(call(), 0)).toBe(fresh);
    fresh!.start();
    for (let i = 0; i < 10; i++) expect(picker.pick(call(), 0)).toBe(known);
  });
});
