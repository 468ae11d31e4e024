import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock, p2c, seededRng } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, setInFlight, tally } from './support/fleet.js';
import { load, health } from '../support/endpoint-writers.js';

describe('p2c', () => {
  it('never picks the more loaded of its two samples (two endpoints: the samples are both, so always the lighter)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(50), fc.nat(50), fc.integer(), async (a, b, seed) => {
        fc.pre(a !== b);
        const { fleet, clock } = fleetOf(endpoints(2));
        const [e0, e1] = fleet.snapshot.members;
        setInFlight(e0!, a, 0);
        setInFlight(e1!, b, 0);
        const picker = await pickerFor(p2c(), fleet, clock, seededRng(seed));
        for (let i = 0; i < 20; i++) expect(picker.pick(call())).toBe(a < b ? e0 : e1);
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it('never picks the most loaded endpoint, which is the more loaded of every pair it is in', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.nat(1_000), { minLength: 2, maxLength: 40 }), fc.integer(), async (loads, seed) => {
        const { fleet, clock } = fleetOf(endpoints(loads.length));
        fleet.snapshot.members.forEach((s, i) => setInFlight(s, loads[i]!, 0));
        const heaviest = `e${loads.indexOf(Math.max(...loads))}`;
        const picker = await pickerFor(p2c(), fleet, clock, seededRng(seed));
        expect(tally(picker, 200).has(heaviest)).toBe(false);
      }),
      { seed: 43, numRuns: 100 },
    );
  });

  it('samples pairs uniformly: with loads 0 < 5 < 10 the shares are 2/3, 1/3 and 0 (±1 % over 60 000 picks)', async () => {
    const { fleet, clock } = fleetOf(endpoints(3));
    fleet.snapshot.members.forEach((s, i) => setInFlight(s, i * 5, 0));
    const counts = tally(await pickerFor(p2c(), fleet, clock, seededRng(3)), 60_000);
    expect(Math.abs(counts.get('e0')! / 60_000 - 2 / 3)).toBeLessThan(0.01);
    expect(Math.abs(counts.get('e1')! / 60_000 - 1 / 3)).toBeLessThan(0.01);
    expect(counts.has('e2')).toBe(false);
  });

  it('compares health first: an ejected sample loses to any available one, however loaded', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const [idle, busy] = fleet.snapshot.members;
    setInFlight(busy!, 100, 0);
    health.set(idle!, 'ejected');
    const picker = await pickerFor(p2c(), fleet, clock);
    expect(Object.fromEntries(tally(picker, 50))).toEqual({ e1: 50 });
    health.set(busy!, 'ejected');
    expect(picker.pick(call())).toBeUndefined();
  });

  it('finds the available endpoints when most are ejected', async () => {
    const { fleet, clock } = fleetOf(endpoints(100));
    fleet.snapshot.members.forEach((s, i) => i % 50 !== 7 && health.set(s, 'ejected'));
    const counts = tally(await pickerFor(p2c(), fleet, clock), 500);
    expect([...counts.keys()].sort()).toEqual(['e57', 'e7']);
  });

  it('steers away from an endpoint the server asked to back off (429/503), until the back-off ends', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const [asked, other] = fleet.snapshot.members;
    load.start(asked!);
    load.finish(asked!, 5, 0, true, 1_000);
    setInFlight(other!, 30, 0);
    const picker = await pickerFor(p2c(), fleet, clock);
    expect(Object.fromEntries(tally(picker, 20, undefined, 999))).toEqual({ e1: 20 });
    expect(Object.fromEntries(tally(picker, 20, undefined, 1_000))).toEqual({ e0: 20 });
  });

  it('steers away from an endpoint that asked to back off at clock times below zero too (a manual or simulated clock may start there), where the others never asked', async () => {
    const { fleet, clock } = fleetOf(endpoints(2), { clock: new ManualClock(-5_000) });
    const [asked, other] = fleet.snapshot.members;
    load.start(asked!);
    load.finish(asked!, 5, -5_000, true, -4_000);
    setInFlight(other!, 30, -5_000);
    const picker = await pickerFor(p2c(), fleet, clock);
    expect(Object.fromEntries(tally(picker, 20, undefined, -4_500))).toEqual({ e1: 20 });
    expect(Object.fromEntries(tally(picker, 20, undefined, -4_000))).toEqual({ e0: 20 });
  });

  it('divides load by weight: (inFlight + 1) / weight', async () => {
    const { fleet, clock } = fleetOf(endpoints(2, [4, 1]));
    const [heavy, light] = fleet.snapshot.members;
    const picker = await pickerFor(p2c(), fleet, clock);
    setInFlight(heavy!, 2, 0); // 3 / 4
    setInFlight(light!, 0, 0); // 1 / 1
    expect(picker.pick(call())).toBe(heavy);
    setInFlight(heavy!, 4, 0); // 5 / 4
    expect(picker.pick(call())).toBe(light);
  });

  it('rejects invalid options with a ConfigError naming the option', () => {
    expect(() => p2c({ slowStart: { windowMs: 0 } })).toThrow(/p2c\.slowStart\.windowMs: 0/);
    expect(() => p2c({ fast: true } as never)).toThrow(/p2c\.fast/);
  });
});
