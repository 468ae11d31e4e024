import { describe, expect, it } from 'vitest';
import { slowStartOption } from '../../src/fleet/slow-start.js';
import { leastRequest, p2c, peakEwma, seededRng, weightedRoundRobin, type Balancer, type SlowStartOptions } from '../../src/index.js';
import { endpoints, fleetOf, pickerFor, share, simulate, tally } from './support/fleet.js';

const WINDOW = 60_000;

describe('the slow-start ramp', () => {
  it.each([
    // Envoy: weight × max(minWeightPercent, (t / window) ^ (1 / aggression)).
    { at: 0, aggression: 1, min: 10, factor: 0.1 },
    { at: 0.05, aggression: 1, min: 10, factor: 0.1 },
    { at: 0.1, aggression: 1, min: 10, factor: 0.1 },
    { at: 0.5, aggression: 1, min: 10, factor: 0.5 },
    { at: 0.5, aggression: 2, min: 10, factor: Math.SQRT1_2 },
    { at: 0.1, aggression: 2, min: 10, factor: Math.sqrt(0.1) },
    { at: 0.5, aggression: 0.5, min: 10, factor: 0.25 },
    { at: 0.2, aggression: 0.5, min: 10, factor: 0.1 },
    { at: 0.2, aggression: 1, min: 0, factor: 0.2 },
    { at: 1, aggression: 1, min: 10, factor: 1 },
    { at: 3, aggression: 1, min: 10, factor: 1 },
  ])('at $at of the window with aggression $aggression and $min % floor, the weight factor is $factor', ({ at, aggression, min, factor }) => {
    const ramp = slowStartOption({ windowMs: WINDOW, aggression, minWeightPercent: min }, 'slowStart')!;
    expect(ramp.factor(1_000, 1_000 + at * WINDOW)).toBeCloseTo(factor, 12);
  });

  it.each<[unknown, RegExp]>([
    [{}, /slowStart\.windowMs: undefined/],
    [{ windowMs: -1 }, /slowStart\.windowMs: -1 \(expected a finite number > 0\)/],
    [{ windowMs: 1, aggression: 0 }, /slowStart\.aggression: 0/],
    [{ windowMs: 1, minWeightPercent: 101 }, /slowStart\.minWeightPercent: 101/],
    [{ windowMs: 1, rampUp: 2 }, /slowStart\.rampUp/],
    ['fast', /slowStart: "fast"/],
  ])('rejects %j with a ConfigError naming the option', (value, message) => {
    expect(() => slowStartOption(value, 'slowStart')).toThrow(message);
  });
});

/** Nine endpoints that joined at 0 and a tenth that joins at 100 s; the picker is built then. */
async function scaleOut(balancer: Balancer) {
  const { fleet, clock } = fleetOf(endpoints(9));
  clock.advance(100_000);
  fleet.update(endpoints(10));
  return { clock, picker: await pickerFor(balancer, fleet, clock, seededRng(2)) };
}

/** The share a weighted strategy owes the newcomer: f / (9 + f) for weight factor f. */
const owed = (factor: number) => factor / (9 + factor);

describe('slow start gives a new endpoint its ramped share', () => {
  it.each([
    { at: 0.1, options: {}, factor: 0.1 },
    { at: 0.5, options: {}, factor: 0.5 },
    { at: 1, options: {}, factor: 1 },
    { at: 0.1, options: { aggression: 2 }, factor: Math.sqrt(0.1) },
    { at: 0.5, options: { aggression: 2 }, factor: Math.SQRT1_2 },
  ])('weighted round-robin at $at of the window ($options): within 1 % of the owed share', async ({ at, options, factor }) => {
    const slowStart: SlowStartOptions = { windowMs: WINDOW, ...options };
    const { picker } = await scaleOut(weightedRoundRobin({ slowStart }));
    const counts = tally(picker, 50_000, undefined, 100_000 + at * WINDOW);
    expect(Math.abs(counts.get('e9')! / 50_000 - owed(factor))).toBeLessThan(0.01 * owed(factor));
  });

  // Load-aware strategies weigh load by effective weight; under heavy load (about 55 requests in
  // flight per endpoint) the newcomer's share follows its weight. 20 000 requests take 0.4 s.
  it.each([
    ['p2c', p2c],
    ['least-request', leastRequest],
    ['peak-ewma', peakEwma],
  ] as const)('%s at 10 %, 50 % and 100 % of the window: within 10 % of the owed share', async (_name, factory) => {
    const { clock, picker } = await scaleOut(factory({ slowStart: { windowMs: WINDOW } }));
    for (const at of [0.1, 0.5, 1]) {
      clock.advance(100_000 + at * WINDOW - clock.now());
      const picks = simulate({ clock, picker, requests: 20_000, intervalMs: 0.02, latency: () => 10 });
      expect(Math.abs(share(picks, 'e9') - owed(at))).toBeLessThan(0.1 * owed(at));
    }
  });

  it('changes nothing for endpoints that joined together', async () => {
    const { fleet, clock } = fleetOf(endpoints(4));
    const picker = await pickerFor(weightedRoundRobin({ slowStart: { windowMs: WINDOW } }), fleet, clock);
    expect(Object.fromEntries(tally(picker, 400, undefined, 1_000))).toEqual({ e0: 100, e1: 100, e2: 100, e3: 100 });
  });
});
