import { describe, expect, it } from 'vitest';
import { leastRequest, leastResponseTime, random, seededRng } from '../../src/index.js';
import { call, endpoints, fleetOf, pickerFor, sequence, setInFlight, tally } from './support/fleet.js';
import { load, health } from '../support/endpoint-writers.js';

describe('least-request', () => {
  it('picks the endpoint with the fewest requests in flight', async () => {
    const { fleet, clock } = fleetOf(endpoints(5));
    [4, 2, 7, 1, 3].forEach((n, i) => setInFlight(fleet.snapshot.members[i]!, n, 0));
    const picker = await pickerFor(leastRequest(), fleet, clock);
    expect(sequence(picker, 3)).toEqual(['e3', 'e3', 'e3']);
  });

  it('breaks ties round-robin', async () => {
    const { fleet, clock } = fleetOf(endpoints(3));
    const picker = await pickerFor(leastRequest(), fleet, clock);
    expect(sequence(picker, 6)).toEqual(['e0', 'e1', 'e2', 'e0', 'e1', 'e2']);
  });

  it('skips ejected endpoints and ranks endpoints backing off after every other', async () => {
    const { fleet, clock } = fleetOf(endpoints(3));
    const [a, b, c] = fleet.snapshot.members;
    health.set(a!, 'ejected');
    load.start(b!);
    load.finish(b!, 1, 0, true, 500);
    setInFlight(c!, 9, 0);
    const picker = await pickerFor(leastRequest(), fleet, clock);
    expect(sequence(picker, 2, 100)).toEqual(['e2', 'e2']);
    expect(sequence(picker, 2, 500)).toEqual(['e1', 'e1']);
    health.set(c!, 'ejected');
    expect(sequence(picker, 1, 100)).toEqual(['e1']);
    health.set(b!, 'ejected');
    expect(sequence(picker, 1, 100)).toEqual(['-']);
  });

  it('samples maxScan consecutive endpoints from a random start in a larger fleet', async () => {
    const { fleet, clock } = fleetOf(endpoints(100));
    fleet.snapshot.members.forEach((s, i) => setInFlight(s, i === 0 ? 0 : 1, 0));
    // e0 is the least loaded, but a 10-member window sees it only from 10 of 100 starts.
    const counts = tally(await pickerFor(leastRequest({ maxScan: 10 }), fleet, clock, seededRng(5)), 20_000);
    expect(Math.abs(counts.get('e0')! / 20_000 - 0.1)).toBeLessThan(0.01);
    const full = tally(await pickerFor(leastRequest({ maxScan: Infinity }), fleet, clock), 100);
    expect(Object.fromEntries(full)).toEqual({ e0: 100 });
  });

  it('rejects a maxScan below 2 or fractional', () => {
    expect(() => leastRequest({ maxScan: 1 })).toThrow(/leastRequest\.maxScan: 1/);
    expect(() => leastRequest({ maxScan: 2.5 })).toThrow(/leastRequest\.maxScan: 2\.5/);
  });
});

describe('least-response-time', () => {
  it('picks the lowest latency × (in flight + 1)', async () => {
    const { fleet, clock } = fleetOf(endpoints(3));
    const [a, b, c] = fleet.snapshot.members;
    for (const [state, ms] of [[a, 30], [b, 10], [c, 12]] as const) {
      load.start(state!);
      load.finish(state!, ms, 0, true);
    }
    const picker = await pickerFor(leastResponseTime(), fleet, clock);
    expect(picker.pick(call(), 0)).toBe(b); // 10 × 1
    setInFlight(b!, 1, 0);
    expect(picker.pick(call(), 0)).toBe(c); // 12 × 1 < 10 × 2
  });

  it('probes an endpoint without latency history first, but only one request at a time', async () => {
    const { fleet, clock } = fleetOf(endpoints(2));
    const [known, fresh] = fleet.snapshot.members;
    load.start(known!);
    load.finish(known!, 1, 0, true);
    const picker = await pickerFor(leastResponseTime(), fleet, clock);
    expect(picker.pick(call(), 0)).toBe(fresh);
    load.start(fresh!);
    expect(picker.pick(call(), 0)).toBe(known);
  });
});

describe('random', () => {
  it('spreads picks uniformly (each of 10 within ±0.5 % of 10 % over 100 000 picks)', async () => {
    const { fleet, clock } = fleetOf(endpoints(10));
    const counts = tally(await pickerFor(random(), fleet, clock, seededRng(11)), 100_000);
    for (let i = 0; i < 10; i++) expect(Math.abs(counts.get(`e${i}`)! / 100_000 - 0.1)).toBeLessThan(0.005);
  });

  it('skips ejected endpoints and finds none when all are', async () => {
    const { fleet, clock } = fleetOf(endpoints(50));
    fleet.snapshot.members.forEach((s, i) => i !== 31 && health.set(s, 'ejected'));
    const picker = await pickerFor(random(), fleet, clock);
    expect(Object.fromEntries(tally(picker, 100))).toEqual({ e31: 100 });
    health.set(fleet.snapshot.members[31]!, 'ejected');
    expect(picker.pick(call())).toBeUndefined();
  });
});
