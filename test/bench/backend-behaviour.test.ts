import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.js';
import { BackendBehaviour } from '../../bench/model/backend-behaviour.js';
import { parseScenario, type BackendSpec } from '../../bench/scenario/scenario.js';

function backend(fields: Record<string, unknown>): BackendSpec {
  // A second backend present from the start keeps scenarios whose first backend joins late valid.
  const always = { name: 'always', latency: { type: 'constant', ms: 1 } };
  return parseScenario({ load: { rate: 1 }, backends: [{ latency: { type: 'constant', ms: 10 }, ...fields }, always] }).backends[0]!;
}

describe('a backend behaviour', () => {
  it('switches phases on time: the phase applies from its start (inclusive) to its end (exclusive)', () => {
    const b = new BackendBehaviour(backend({ phases: [{ start: 0.25, end: 0.75, latencyFactor: 30, errors: { status503: 1 } }] }), 1_000);
    const rng = seededRng(1);
    expect([b.serviceMs(-50, rng), b.serviceMs(249.9, rng), b.serviceMs(250, rng), b.serviceMs(749.9, rng), b.serviceMs(750, rng)]).toEqual([10, 10, 300, 300, 10]);
    expect([b.verdict(249.9, rng), b.verdict(250, rng), b.verdict(750, rng)]).toEqual(['serve', '503', 'serve']);
    expect(b.failureShare(500)).toBe(1);
    expect(b.meanServiceMs(500)).toBe(300);
  });

  it('uses a phase latency in place of the base one', () => {
    const b = new BackendBehaviour(backend({ phases: [{ start: 0, end: 0.5, latency: { type: 'constant', ms: 2 } }] }), 100);
    expect(b.serviceMs(10, seededRng(1))).toBe(2);
    expect(b.serviceMs(60, seededRng(1))).toBe(10);
  });

  it('is slower right after joining and warms up linearly over the cold start', () => {
    const b = new BackendBehaviour(backend({ joinAt: 0.5, coldStart: { ms: 100, factor: 3 } }), 1_000);
    expect(b.meanServiceMs(500)).toBe(30);
    expect(b.meanServiceMs(550)).toBe(20);
    expect(b.meanServiceMs(600)).toBe(10);
  });

  it('fails the configured shares of requests (seeded; within 1 percentage point over 20 000)', () => {
    const b = new BackendBehaviour(backend({ errors: { status503: 0.3, reset: 0.1 } }), 1_000);
    const rng = seededRng(9);
    const counts = { serve: 0, '503': 0, reset: 0 };
    for (let i = 0; i < 20_000; i++) counts[b.verdict(0, rng)]++;
    expect(Math.abs(counts['503'] / 20_000 - 0.3)).toBeLessThan(0.01);
    expect(Math.abs(counts.reset / 20_000 - 0.1)).toBeLessThan(0.01);
  });

  it.each([
    [{ type: 'normal', mean: 5, stddev: 1 }, 5],
    [{ type: 'lognormal', median: 5, sigma: 0.5 }, 5 * Math.exp(0.125)],
    [{ type: 'exponential', mean: 5 }, 5],
    [{ type: 'bimodal', fast: { type: 'constant', ms: 5 }, slow: { type: 'constant', ms: 205 }, slowShare: 0.01 }, 7],
  ])('draws %j with its stated mean (seeded; within 2 % over 100 000)', (latency, mean) => {
    const b = new BackendBehaviour(backend({ latency }), 1_000);
    const rng = seededRng(3);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += b.serviceMs(0, rng);
    expect(b.meanServiceMs(0)).toBeCloseTo(mean, 9);
    expect(Math.abs(sum / 100_000 / mean - 1)).toBeLessThan(0.02);
  });

  it('knows the cheapest an idle backend can be across its phases', () => {
    const b = new BackendBehaviour(backend({ phases: [{ start: 0.1, end: 0.2, latencyFactor: 0.5 }, { start: 0.3, end: 0.4, errors: { status503: 0.5 } }] }), 1_000);
    expect(b.bestCost).toBe(5);
  });
});
