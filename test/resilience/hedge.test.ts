import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Call, Handler, Reply } from '../../src/core/call.js';
import { ManualClock } from '../../src/core/clock.js';
import { EventBus } from '../../src/core/events.js';
import { parseHedgeOptions, type HedgeOptions, type HedgeSettings } from '../../src/hedge/hedge-options.js';
import { Hedger } from '../../src/hedge/hedger.js';
import { LatencyWindow } from '../../src/hedge/latency-window.js';
import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import { RetryLayer } from '../../src/retry/retry-layer.js';
import { noRetrySettings, parseRetryOptions, type RetrySettings } from '../../src/retry/retry-options.js';
import { call, fakeFleet, flush, record, reply, type FakeReply } from './fakes.js';

interface Sent {
  readonly call: Call;
  respond(status: number): FakeReply;
  fail(error: Error): void;
}

/** Hedges here have a budget of one per call unless a test says otherwise. */
function setup(options: HedgeOptions = { delay: 20, budget: { ratio: 1 } }, retry: RetrySettings = noRetrySettings()) {
  const clock = new ManualClock();
  const events = new EventBus();
  const fleet = fakeFleet(clock, 3, events);
  const hedger = new Hedger(parseHedgeOptions(options) as HedgeSettings, {
    service: 'svc',
    clock,
    events,
    isFailure: (r) => retry.statuses.has(r.status),
    minAttemptTime: retry.minAttemptTime,
  });
  const layer = new RetryLayer(retry, { service: 'svc', clock, rng: { next: () => 0.5 }, events, hedger });
  const sent: Sent[] = [];
  // The real completion seam below the test's pick: it reports each pick to the retry layer.
  const seam = new AttemptSeam({ fleet, clock, breaker: undefined, isFailureStatus: (status) => status >= 500 });
  const balance: Handler = (c) => {
    const endpoint = fleet.snapshot.members.find((m) => !c.tried.has(m.id)) ?? fleet.snapshot.members[0]!;
    return seam.middleware({ ...c, endpoint }, (a) =>
      new Promise<Reply>((resolve, reject) => {
        sent.push({
          call: a,
          respond: (status) => {
            const r = reply(status, {}, endpoint);
            resolve(r);
            return r;
          },
          fail: reject,
        });
      }),
    );
  };
  const seen = record(events, 'hedge', 'budget-exhausted');
  const run = (c: Partial<Call> = {}) => layer.middleware(call(clock.now(), c), balance);
  return { clock, hedger, sent, seen, run };
}

describe('hedging', () => {
  it('sends a second attempt to another endpoint after the delay; the first good reply wins and the loser is aborted and dumped', async () => {
    const t = setup();
    const pending = t.run();
    await flush();
    expect(t.sent).toHaveLength(1);
    t.clock.advance(19);
    await flush();
    expect(t.sent).toHaveLength(1);
    t.clock.advance(1);
    await flush();
    expect(t.sent.map((s) => [s.call.attempt, s.call.endpoint!.id, [...s.call.tried]])).toEqual([
      [0, 'e0', []],
      [1, 'e1', ['e0']],
    ]);
    expect(t.seen).toEqual([{ name: 'hedge', event: { service: 'svc', time: 20, attempt: 1, reason: 'delay' } }]);
    t.sent[1]!.respond(200);
    const winner = await pending;
    expect(winner.endpoint!.id).toBe('e1');
    expect(t.sent[0]!.call.signal!.aborted).toBe(true);
    expect(t.sent[1]!.call.signal!.aborted).toBe(false);
    const late = t.sent[0]!.respond(200);
    await flush();
    expect(late.dumped()).toBe(true);
  });

  it('sends no hedge when the first attempt answers in time, and leaves no timer', async () => {
    const t = setup();
    const pending = t.run();
    await flush();
    t.clock.advance(10);
    t.sent[0]!.respond(200);
    await pending;
    expect(t.clock.pendingTimers).toBe(0);
    t.clock.advance(100);
    expect(t.sent).toHaveLength(1);
  });

  it('waits for the other attempt when one fails, and returns the last failure when both do', async () => {
    const t = setup();
    const pending = t.run();
    await flush();
    t.clock.advance(20);
    await flush();
    t.sent[1]!.fail(new Error('reset'));
    await flush();
    const r503 = t.sent[0]!.respond(503);
    const r = await pending;
    expect(r).toBe(r503);
  });

  it('hedges only idempotent calls with a replayable body', async () => {
    const t = setup();
    const post = t.run({ method: 'POST', idempotent: false });
    const stream = t.run({ method: 'PUT', body: Readable.from(['x']) });
    await flush();
    t.clock.advance(100);
    await flush();
    expect(t.sent).toHaveLength(2);
    t.sent[0]!.respond(200);
    t.sent[1]!.respond(200);
    await Promise.all([post, stream]);
  });

  it('spends the hedge budget: hedges stay within ratio × calls and the rest are refused with an event', async () => {
    const t = setup({ delay: 20, budget: { ratio: 0.1, minPerSecond: 0 } });
    const calls: Promise<Reply>[] = [];
    for (let i = 0; i < 40; i++) calls.push(t.run());
    await flush();
    t.clock.advance(20);
    await flush();
    expect(t.sent).toHaveLength(44);
    expect(t.seen.filter((s) => s.name === 'hedge')).toHaveLength(4);
    expect(t.seen.filter((s) => s.name === 'budget-exhausted')).toHaveLength(36);
    for (const s of t.sent) s.respond(200);
    await Promise.all(calls);
  });

  it('hedges after a latency percentile once enough samples are known, the fixed delay before', async () => {
    const t = setup({ delay: 500, percentile: 90, minSamples: 10, budget: { ratio: 1 } });
    expect(t.hedger.delay).toBe(500);
    expect(t.hedger.reason).toBe('delay');
    for (let i = 1; i <= 10; i++) {
      const pending = t.run();
      await flush();
      t.clock.advance(i * 10);
      t.sent.at(-1)!.respond(200);
      await pending;
    }
    expect(t.hedger.delay).toBe(90);
    expect(t.hedger.reason).toBe('percentile');
    // A call slower than the percentile is hedged, and the event says why.
    const slow = t.run();
    await flush();
    t.clock.advance(91);
    await flush();
    expect(t.seen.filter((s) => s.name === 'hedge').at(-1)!.event).toMatchObject({ reason: 'percentile' });
    t.sent.at(-1)!.respond(200);
    await slow;
  });

  it('lets a hedge and retries combine: a failed hedged round is retried after the backoff', async () => {
    const t = setup({ delay: 20, budget: { ratio: 1 } }, parseRetryOptions({ retries: 1 }) as RetrySettings);
    const pending = t.run();
    await flush();
    t.sent[0]!.respond(503);
    await flush();
    t.clock.advance(12);
    await flush();
    expect(t.sent.map((s) => s.call.attempt)).toEqual([0, 1]);
    t.sent[1]!.respond(200);
    expect((await pending).status).toBe(200);
  });
});

describe('latency window', () => {
  it('gives the nearest-rank percentile of the last `size` samples', () => {
    const w = new LatencyWindow(100);
    for (let i = 1; i <= 100; i++) w.observe(i);
    expect([w.percentile(50), w.percentile(90), w.percentile(99), w.percentile(100)]).toEqual([50, 90, 99, 100]);
    // 100 newer samples of 1000 replace the old ones; the cached value is refreshed every 10 samples.
    for (let i = 0; i < 100; i++) w.observe(1_000);
    expect(w.percentile(50)).toBe(1_000);
    expect(w.count).toBe(100);
    expect(new LatencyWindow(10).percentile(50)).toBe(0);
  });
});
