import { describe, expect, it } from 'vitest';
import { ArrivalSchedule } from '../../bench/load/arrivals.js';
import type { Outcome } from '../../bench/load/recorder.js';
import { startBackends } from '../../bench/loopback/backend-fleet.js';
import { runOpenLoop, type OpenLoopResult } from '../../bench/loopback/open-loop.js';
import { parseScenario, type Scenario } from '../../bench/scenario/scenario.js';

interface Trace {
  sends: { intendedAt: number; sentAt: number }[];
  replies: Map<number, { latencyMs: number; outcome: Outcome }>;
  results: OpenLoopResult[];
}

/** Starts the scenario's backends, runs each strategy once on them, and stops them. */
async function run(scenario: Scenario, strategies: string[] = ['round-robin']): Promise<Trace[]> {
  const fleet = await startBackends(scenario.backends, scenario.durationMs);
  try {
    const traces: Trace[] = [];
    for (const strategy of strategies) {
      const trace: Trace = { sends: [], replies: new Map(), results: [] };
      trace.results.push(
        await runOpenLoop(scenario, strategy, fleet, {
          onSend: (intendedAt, sentAt) => trace.sends.push({ intendedAt, sentAt }),
          onReply: (intendedAt, latencyMs, outcome) => trace.replies.set(intendedAt, { latencyMs, outcome }),
        }),
      );
      traces.push(trace);
    }
    return traces;
  } finally {
    await fleet.stop();
  }
}

function scheduleOf(scenario: Scenario): number[] {
  const schedule = new ArrivalSchedule(scenario.load, scenario.durationMs, scenario.warmupMs, scenario.seed);
  const out: number[] = [];
  for (let t = schedule.next(); t !== undefined; t = schedule.next()) out.push(t);
  return out;
}

describe('the loopback harness', () => {
  it('keeps sending on schedule while a backend stalls, and counts the wait in the latency', async () => {
    // One server at a time; the request that starts service at 300-320 ms takes 400 ms, and
    // everything arriving meanwhile queues behind it.
    const scenario = parseScenario({
      durationMs: 1_000,
      warmupMs: 100,
      load: { rate: 100, arrival: 'constant', timeoutMs: 2_000 },
      backends: [{ latency: { type: 'constant', ms: 5 }, capacity: 1, phases: [{ start: 0.3, end: 0.32, latencyFactor: 80 }] }],
    });
    const [trace] = await run(scenario);
    const { sends, replies, results } = trace!;
    // Open loop: the exact schedule was sent, and never held back by the stalled replies
    // (a closed loop would have fallen about 400 ms behind).
    expect(sends.map((s) => s.intendedAt)).toEqual(scheduleOf(scenario));
    expect(Math.max(...sends.map((s) => s.sentAt - s.intendedAt))).toBeLessThan(200);
    // Requests sent during the stall were answered only after it ended (~700 ms), and their
    // latency, measured from the intended send time, includes that wait.
    const during = sends.filter((s) => s.intendedAt >= 340 && s.intendedAt <= 650);
    expect(during.length).toBe(32);
    for (const { intendedAt } of during) {
      const reply = replies.get(intendedAt)!;
      expect(reply.outcome).toBe('ok');
      expect(intendedAt + reply.latencyMs).toBeGreaterThan(680);
    }
    expect(results[0]!.latency.max).toBeGreaterThan(395);
    expect(results[0]!.successPct).toBe(100);
  });

  it('queues requests beyond a backend capacity, first in, first out', async () => {
    const fleet = (capacity: number) =>
      parseScenario({
        durationMs: 400,
        warmupMs: 0,
        load: { rate: 100, arrival: 'constant', timeoutMs: 2_000 },
        backends: [{ latency: { type: 'constant', ms: 20 }, capacity }],
      });
    const [one] = await run(fleet(1));
    const [four] = await run(fleet(4));
    // With one server, request k (arriving at 10(k+1) ms) starts at 10 + 20k and waits 10k ms.
    one!.sends.forEach(({ intendedAt }, k) => expect(one!.replies.get(intendedAt)!.latencyMs).toBeGreaterThanOrEqual(20 + 10 * k - 2));
    expect(one!.results[0]!.latency.p99).toBeGreaterThan(350);
    // Four servers keep up with one request every 10 ms: no queue builds.
    expect(four!.results[0]!.latency.p99).toBeLessThan(one!.results[0]!.latency.p99 / 4);
  });

  it('switches a backend phase on time', async () => {
    const scenario = parseScenario({
      durationMs: 600,
      warmupMs: 50,
      load: { rate: 200, arrival: 'constant', timeoutMs: 2_000 },
      backends: [{ latency: { type: 'constant', ms: 2 }, phases: [{ start: 0.5, end: 1, errors: { status503: 1 } }] }],
    });
    const [trace] = await run(scenario);
    const { sends, replies } = trace!;
    // Sorted by when each request actually left, 50 ms clear of the switch at 300 ms: a pause of
    // either process (tens of ms on a busy machine) moves a send, not the server's phase.
    const outcomeOf = (sent: (typeof sends)[number]) => replies.get(sent.intendedAt)!.outcome;
    const before = sends.filter((s) => s.intendedAt >= 0 && s.sentAt < 250);
    const after = sends.filter((s) => s.sentAt >= 350);
    expect(before.length).toBeGreaterThanOrEqual(40);
    expect(after.length).toBeGreaterThanOrEqual(40);
    expect(before.map(outcomeOf).filter((o) => o !== 'ok')).toEqual([]);
    expect(after.map(outcomeOf).filter((o) => o !== 'status')).toEqual([]);
  });

  it('offers every strategy the same seeded arrival sequence', async () => {
    const scenario = parseScenario({
      seed: 77,
      durationMs: 300,
      warmupMs: 50,
      load: { rate: 300 },
      backends: [{ count: 2, latency: { type: 'normal', mean: 2, stddev: 0.5 } }],
    });
    const [a, b] = await run(scenario, ['round-robin', 'random']);
    const expected = scheduleOf(scenario);
    expect(expected.length).toBeGreaterThan(50);
    expect(a!.sends.map((s) => s.intendedAt)).toEqual(expected);
    expect(b!.sends.map((s) => s.intendedAt)).toEqual(expected);
    expect(b!.results[0]!.offered).toBe(a!.results[0]!.offered);
  });

  it('adds a backend to the client when it joins (scale-out)', async () => {
    const scenario = parseScenario({
      durationMs: 600,
      warmupMs: 0,
      load: { rate: 200, arrival: 'constant' },
      backends: [
        { name: 'early', latency: { type: 'constant', ms: 1 } },
        { name: 'late', latency: { type: 'constant', ms: 1 }, joinAt: 0.5 },
      ],
    });
    const [trace] = await run(scenario);
    // 119 requests: 59 before 300 ms all to early, then about half of the other 60 to late.
    const { early, late } = trace!.results[0]!.backendRequests as Record<string, number>;
    expect(early! + late!).toBe(119);
    expect(late).toBeGreaterThanOrEqual(25);
    expect(late).toBeLessThanOrEqual(35);
  });
});
