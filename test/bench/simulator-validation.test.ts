import { describe, expect, it } from 'vitest';
import { parseScenario, type Scenario } from '../../bench/scenario/scenario.js';
import { erlangC, mmcMeanWait, supermarketMeanSojourn } from '../../bench/sim/queueing-theory.js';
import { simulate } from '../../bench/sim/simulator.js';

/** Poisson arrivals to `servers` backends of `capacity` each, exponential service of `meanMs`, at utilisation `load`. */
function poissonFleet(servers: number, capacity: number, meanMs: number, load: number, requests: number, seed: number): Scenario {
  const rate = ((servers * capacity) / meanMs) * 1_000 * load;
  return parseScenario({
    seed,
    durationMs: (requests / rate) * 1_000,
    warmupMs: 1_000,
    load: { rate, timeoutMs: 1e9 },
    backends: [{ count: servers, latency: { type: 'exponential', mean: meanMs }, capacity }],
  });
}

describe('queueing theory', () => {
  it.each([
    // M/M/1: C = ρ. M/M/2 at a = 1: C = 1/3. M/M/10 at a = 9: 0.6687 (tables of Erlang C).
    [1, 0.5, 0.5],
    [2, 1, 1 / 3],
    [10, 9, 0.66870],
  ])('Erlang C for %i servers at %f Erlangs is %f', (c, a, expected) => {
    expect(erlangC(c, a)).toBeCloseTo(expected, 4);
  });

  it('gives the supermarket model its 2.61 at load 0.9 with two choices, and M/M/1 for one', () => {
    expect(supermarketMeanSojourn(0.9, 2)).toBeCloseTo(2.6141, 4);
    expect(supermarketMeanSojourn(0.5, 2)).toBeCloseTo(1.2657, 4);
  });

  it('refuses a load at or above capacity', () => {
    expect(() => erlangC(2, 2)).toThrow(RangeError);
  });
});

describe('the simulator against queueing theory', () => {
  it.each([
    // servers, utilisation, requests: over seeds 1-8 the error spread about 0.5 % (M/M/5) and 0.3 % (M/M/1)
    [5, 0.7, 2_000_000],
    [1, 0.5, 1_000_000],
  ])('waits as long as Erlang C says in an M/M/%i queue at load %f (within 2 %)', async (c, rho, requests) => {
    const meanMs = 10;
    const scenario = poissonFleet(1, c, meanMs, rho, requests, 4);
    const result = await simulate(scenario, 'round-robin');
    const expected = mmcMeanWait(c, (c / meanMs) * rho, 1 / meanMs);
    expect(Math.abs(result.meanWaitMs / expected - 1)).toBeLessThan(0.02);
  });

  // Over seeds 1-8 the error was within 1.5 % (mean +0.4 %: a finite fleet sits a little above the n → ∞ limit).
  it('matches the supermarket model with p2c at load 0.9: mean time in system 2.61 service times (within 3 %)', async () => {
    const meanMs = 10;
    const result = await simulate(poissonFleet(1_000, 1, meanMs, 0.9, 1_000_000, 5), 'p2c');
    const sojourn = result.latency.mean / meanMs;
    expect(Math.abs(sojourn / supermarketMeanSojourn(0.9, 2) - 1)).toBeLessThan(0.03);
  });
});
