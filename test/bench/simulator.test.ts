import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src/core/rng.js';
import { BackendBehaviour } from '../../bench/model/backend-behaviour.js';
import { parseScenario } from '../../bench/scenario/scenario.js';
import { EventQueue } from '../../bench/sim/event-queue.js';
import { SimBackend } from '../../bench/sim/sim-backend.js';
import { SimClock } from '../../bench/sim/sim-clock.js';
import { ORACLE, simulate } from '../../bench/sim/simulator.js';

describe('the event queue', () => {
  it('pops events by time, then in the order they were pushed', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue<{ at: number; seq: number }>();
        times.forEach((at, seq) => q.push({ at, seq }));
        const out: { at: number; seq: number }[] = [];
        for (let e = q.pop(); e; e = q.pop()) out.push(e);
        const expected = times.map((at, seq) => ({ at, seq })).sort((a, b) => a.at - b.at || a.seq - b.seq);
        expect(out).toEqual(expected);
      }),
    );
  });
});

describe('the simulator clock', () => {
  it('runs timers armed through it in due order and skips cleared ones', () => {
    const clock = new SimClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    const cleared = clock.setTimeout(() => fired.push('never'), 10);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 5);
    clock.clearTimeout(cleared);
    expect(clock.nextTimerAt).toBe(5);
    clock.runTimersUntil(15);
    expect(fired).toEqual(['a@5']);
    clock.runTimersUntil(100);
    expect(fired).toEqual(['a@5', 'b@20']);
    expect(clock.nextTimerAt).toBe(Infinity);
  });
});

describe('a simulated backend', () => {
  const spec = (capacity: number) =>
    parseScenario({ load: { rate: 1 }, backends: [{ latency: { type: 'constant', ms: 10 }, capacity }] }).backends[0]!;

  it('serves `capacity` requests at once and queues the rest first in, first out', () => {
    const b = new SimBackend(new BackendBehaviour(spec(2), 1_000), seededRng(1));
    expect([b.serve(0, Infinity), b.serve(0, Infinity), b.serve(0, Infinity), b.serve(5, Infinity)]).toEqual([
      { verdict: 'serve', start: 0, done: 10 },
      { verdict: 'serve', start: 0, done: 10 },
      { verdict: 'serve', start: 10, done: 20 },
      { verdict: 'serve', start: 10, done: 20 },
    ]);
    expect(b.waitAt(6)).toBe(14);
    expect(b.expectedCost(6)).toBe(24);
    expect(b.requests).toBe(4);
  });

  it('drops a request whose caller gives up before service starts, so it holds no server', () => {
    const b = new SimBackend(new BackendBehaviour(spec(1), 1_000), seededRng(1));
    b.serve(0, Infinity);
    expect(b.serve(1, 5)).toEqual({ verdict: 'serve', start: 10, done: Infinity });
    expect(b.serve(2, Infinity)).toEqual({ verdict: 'serve', start: 10, done: 20 });
  });
});

describe('the simulator', () => {
  const twoSpeeds = (extra: Record<string, unknown> = {}) =>
    parseScenario({
      seed: 3,
      durationMs: 20_000,
      warmupMs: 1_000,
      load: { rate: 900, timeoutMs: 2_000 },
      backends: [
        { name: 'fast', count: 4, latency: { type: 'exponential', mean: 10 }, capacity: 2 },
        { name: 'slow', count: 4, latency: { type: 'exponential', mean: 20 }, capacity: 2 },
      ],
      ...extra,
    });

  it('is deterministic: the same scenario and seed give the same results', async () => {
    const { wallMs: _a, ...first } = await simulate(twoSpeeds(), 'p2c');
    const { wallMs: _b, ...second } = await simulate(twoSpeeds(), 'p2c');
    expect(second).toEqual(first);
  });

  it('lets the oracle (least work left) beat every real strategy on the mean in a fleet of equal backends', async () => {
    const equal = parseScenario({
      seed: 4,
      durationMs: 20_000,
      warmupMs: 1_000,
      load: { rate: 9_000, timeoutMs: 10_000 },
      backends: [{ count: 100, latency: { type: 'exponential', mean: 10 }, capacity: 1 }],
    });
    const oracle = await simulate(equal, ORACLE);
    for (const strategy of ['round-robin', 'random', 'least-request', 'p2c', 'peak-ewma']) {
      expect(oracle.latency.mean).toBeLessThan((await simulate(equal, strategy)).latency.mean);
    }
  });

  it('lets the oracle send more to the fast half of a mixed fleet than any real strategy does', async () => {
    const fastShare = (r: { backendRequests: Readonly<Record<string, number>>; offered: number }): number =>
      Object.entries(r.backendRequests).reduce((sum, [name, n]) => sum + (name.startsWith('fast') ? n : 0), 0) / r.offered;
    const oracle = fastShare(await simulate(twoSpeeds(), ORACLE));
    for (const strategy of ['round-robin', 'least-request', 'p2c', 'peak-ewma']) {
      expect(oracle).toBeGreaterThan(fastShare(await simulate(twoSpeeds(), strategy)));
    }
  });

  it('follows membership: a backend that leaves half-way gets a quarter of the requests under round-robin', async () => {
    const scenario = parseScenario({
      durationMs: 10_000,
      warmupMs: 0,
      load: { rate: 100, arrival: 'constant' },
      backends: [
        { name: 'stays', latency: { type: 'constant', ms: 1 } },
        { name: 'leaves', latency: { type: 'constant', ms: 1 }, leaveAt: 0.5 },
      ],
    });
    const result = await simulate(scenario, 'round-robin');
    // 499 arrivals before 5 s alternate (stays first); the 500 from 5 s on all go to the one left.
    expect(result.backendRequests).toEqual({ stays: 750, leaves: 249 });
  });

  it('ends a reply later than the caller timeout at the timeout, as a failure', async () => {
    const scenario = parseScenario({
      durationMs: 1_000,
      warmupMs: 0,
      load: { rate: 10, arrival: 'constant', timeoutMs: 50 },
      backends: [{ latency: { type: 'constant', ms: 80 } }],
    });
    const result = await simulate(scenario, 'round-robin');
    expect(result.successPct).toBe(0);
    expect(result.failures.timeout).toBe(9);
    expect(result.latency.max).toBeCloseTo(50, 1);
  });

  it('counts 503s from a failing backend as failures', async () => {
    const scenario = parseScenario({
      durationMs: 1_000,
      warmupMs: 0,
      load: { rate: 100, arrival: 'constant' },
      backends: [{ latency: { type: 'constant', ms: 1 }, errors: { status503: 1 } }],
    });
    const result = await simulate(scenario, 'round-robin');
    expect(result.failures.status).toBe(99);
  });
});
