import { describe, expect, it } from 'vitest';
import { roundRobin, seededRng, weightedRoundRobin } from '../../src/index.js';
import { endpoints, fleetOf, pickerFor, sequence, tally } from './support/fleet.js';
import { health } from '../support/endpoint-writers.js';

const ids = (letters: string) => [...letters].map((c) => (c === '-' ? '-' : `e${c.charCodeAt(0) - 'A'.charCodeAt(0)}`));

describe('round-robin', () => {
  it.each([
    { fleet: 1, ejected: [], expected: 'AAAA' },
    { fleet: 3, ejected: [], expected: 'ABCABCA' },
    { fleet: 3, ejected: [1], expected: 'ACACA' },
    { fleet: 4, ejected: [0, 3], expected: 'BCBCB' },
    { fleet: 3, ejected: [0, 1, 2], expected: '---' },
  ])('visits $fleet endpoints with $ejected ejected as $expected', async ({ fleet: n, ejected, expected }) => {
    const { fleet, clock } = fleetOf(endpoints(n));
    for (const i of ejected) health.set(fleet.snapshot.members[i]!, 'ejected');
    const picker = await pickerFor(roundRobin(), fleet, clock);
    expect(sequence(picker, expected.length)).toEqual(ids(expected));
  });
});

describe('weighted round-robin (EDF)', () => {
  it.each([
    { weights: [1, 1, 1], ejected: [], expected: 'ABCABCABC' },
    { weights: [2, 1], ejected: [], expected: 'ABAABAABA' },
    { weights: [5, 1, 1], ejected: [], expected: 'AAAABCAAAAABCA' },
    { weights: [3, 2, 1], ejected: [], expected: 'ABACBAABACBA' },
    { weights: [0.5, 0.25, 0.25], ejected: [], expected: 'ABCAABCA' },
    { weights: [1, 1, 1], ejected: [1], expected: 'ACACAC' },
    { weights: [3, 2, 1], ejected: [0], expected: 'BCBBCB' },
    { weights: [2, 2], ejected: [0, 1], expected: '---' },
  ])('with weights $weights and $ejected ejected picks $expected', async ({ weights, ejected, expected }) => {
    const { fleet, clock } = fleetOf(endpoints(weights.length, weights));
    for (const i of ejected) health.set(fleet.snapshot.members[i]!, 'ejected');
    const picker = await pickerFor(weightedRoundRobin(), fleet, clock);
    expect(sequence(picker, expected.length).join('')).toBe(ids(expected).join(''));
  });

  it('gives each endpoint its weight share, within 1 %, over 100 000 picks', async () => {
    const rng = seededRng(7);
    const weights = Array.from({ length: 25 }, () => 0.5 + rng.next() * 20);
    const total = weights.reduce((a, b) => a + b, 0);
    const { fleet, clock } = fleetOf(endpoints(weights.length, weights));
    const picker = await pickerFor(weightedRoundRobin(), fleet, clock);
    const counts = tally(picker, 100_000);
    weights.forEach((w, i) => {
      expect(Math.abs(counts.get(`e${i}`)! / 100_000 - w / total)).toBeLessThan(0.01 * (w / total));
    });
  });

  it('follows a weight change from discovery (a membership change rebuilds the picker)', async () => {
    const { fleet, clock } = fleetOf(endpoints(2, [1, 1]));
    fleet.update(endpoints(2, [3, 1]));
    const picker = await pickerFor(weightedRoundRobin(), fleet, clock);
    expect(Object.fromEntries(tally(picker, 400))).toEqual({ e0: 300, e1: 100 });
  });
});
