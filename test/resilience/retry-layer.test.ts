import { describe, expect, it } from 'vitest';
import type { Call, Handler, Reply } from '../../src/core/call.js';
import { ManualClock } from '../../src/core/clock.js';
import { RetryBudgetExhaustedError, TimeoutError, UnreplayableBodyError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import type { Rng } from '../../src/core/rng.js';
import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import { RetryLayer } from '../../src/retry/retry-layer.js';
import { parseRetryOptions, type RetryOptions, type RetrySettings } from '../../src/retry/retry-options.js';
import { Readable } from 'node:stream';
import { call, fakeFleet, flush, record, refused, reply, type FakeReply } from './fakes.js';

/**
 * A retry layer over a scripted "balance + transport": attempt n goes to the first endpoint not
 * in call.tried (as the balance layer prefers) and gets outcomes[n].
 */
function setup(options: RetryOptions = {}, outcomes: Array<number | Error | FakeReply> = [], rng: Rng = { next: () => 0.5 }) {
  const clock = new ManualClock();
  const events = new EventBus();
  const fleet = fakeFleet(clock, 3, events);
  const settings = parseRetryOptions(options) as RetrySettings;
  const layer = new RetryLayer(settings, { service: 'svc', clock, rng, events, hedger: undefined });
  const sent: Call[] = [];
  const replies: FakeReply[] = [];
  // The real completion seam below the test's pick: it reports each pick to the retry layer.
  const seam = new AttemptSeam({ fleet, clock, breaker: undefined, isFailureStatus: (status) => status >= 500 });
  const balance: Handler = (c) => {
    const endpoint = fleet.snapshot.members.find((m) => !c.tried.has(m.id)) ?? fleet.snapshot.members[0]!;
    return seam.middleware({ ...c, endpoint }, async (a) => {
      sent.push(a);
      const outcome = outcomes[sent.length - 1] ?? 200;
      if (outcome instanceof Error) throw outcome;
      const r = typeof outcome === 'number' ? reply(outcome, {}, endpoint) : { ...outcome, endpoint };
      replies.push(r);
      return r;
    });
  };
  const seen = record(events, 'retry', 'budget-exhausted');
  const retried = record(events, 'retry');
  const run = (c: Partial<Call> = {}) => layer.middleware(call(clock.now(), c), balance);
  return { clock, layer, sent, replies, seen, retried, run, settings };
}

/** Runs `p` to completion, advancing the manual clock through every backoff. */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 20_000 && !done; i++) {
    await flush();
    if (clock.pendingTimers > 0) clock.advance(1);
  }
  return p;
}

describe('retry layer', () => {
  it('retries retryable statuses up to `retries` and returns the last reply, dumping the others', async () => {
    const t = setup({ retries: 2 }, [503, 502, 504]);
    const r = await drive(t.clock, t.run());
    expect(r.status).toBe(504);
    expect(t.sent.map((c) => c.attempt)).toEqual([0, 1, 2]);
    expect(t.replies.map((x) => x.dumped())).toEqual([true, true, false]);
  });

  it('stops at the first good reply', async () => {
    const t = setup({}, [503, 200]);
    const r = await drive(t.clock, t.run());
    expect(r.status).toBe(200);
    expect(t.sent).toHaveLength(2);
  });

  it('waits full-jitter backoff on the client clock: exactly initial × 2^n × r for r from the RNG', async () => {
    const t = setup({ retries: 3, backoff: { initial: 100, max: 10_000 } }, [503, 503, 503]);
    const pending = t.run();
    await flush();
    expect(t.sent).toHaveLength(1);
    t.clock.advance(49);
    await flush();
    expect(t.sent).toHaveLength(1);
    t.clock.advance(1);
    await flush();
    expect(t.sent).toHaveLength(2);
    t.clock.advance(100);
    await flush();
    expect(t.sent).toHaveLength(3);
    t.clock.advance(200);
    await pending;
    expect(t.retried.map((s) => s.event.delayMs)).toEqual([50, 100, 200]);
    expect(t.seen[0]!.event).toEqual({ service: 'svc', time: 0, attempt: 1, delayMs: 50, reason: 'status 503' });
  });

  it('retries connection errors and attempt timeouts, not the total deadline or other errors', async () => {
    const a = setup({}, [refused(), new TimeoutError('attempt', 100), 200]);
    expect((await drive(a.clock, a.run())).status).toBe(200);
    expect(a.retried.map((s) => s.event.reason)).toEqual(['ECONNREFUSED', 'SWITCHYARD_TIMEOUT']);
    const b = setup({}, [new TimeoutError('total', 100)]);
    await expect(drive(b.clock, b.run())).rejects.toMatchObject({ kind: 'total' });
    const c = setup({}, [new Error('bug')]);
    await expect(drive(c.clock, c.run())).rejects.toThrow('bug');
    expect(b.sent.length + c.sent.length).toBe(2);
  });

  it('sends a call that is not idempotent once', async () => {
    const t = setup({}, [503]);
    const r = await drive(t.clock, t.run({ method: 'POST', idempotent: false }));
    expect(r.status).toBe(503);
    expect(t.sent).toHaveLength(1);
  });

  it('prefers an endpoint not tried yet, including one that failed with an error', async () => {
    const t = setup({ retries: 2 }, [refused(), 503, 200]);
    await drive(t.clock, t.run());
    expect(t.sent.map((c) => c.endpoint!.id)).toEqual(['e0', 'e1', 'e2']);
    expect(t.sent.map((c) => [...c.tried])).toEqual([[], ['e0'], ['e0', 'e1']]);
  });

  it('does not resend a stream body: the error says why and keeps the failure as cause', async () => {
    const t = setup({}, [refused()]);
    const error = await drive(t.clock, t.run({ method: 'PUT', body: Readable.from(['x']) })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreplayableBodyError);
    expect((error as Error).message).toContain('pass a string, Buffer, Uint8Array or Blob');
    expect(((error as Error).cause as Error).message).toContain('ECONNREFUSED');
    expect(t.sent).toHaveLength(1);
  });

  it('honours Retry-After (seconds or date) instead of the backoff', async () => {
    const t = setup({}, [reply(503, { 'retry-after': '2' }), reply(429, { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), 200]);
    const r = await drive(t.clock, t.run());
    expect(r.status).toBe(200);
    // The second wait is measured from the wall clock after the first 2 s.
    expect(t.retried.map((s) => s.event.delayMs)).toEqual([2_000, 3_000]);
  });

  it('does not retry when Retry-After asks for more than maxRetryAfter', async () => {
    const t = setup({ maxRetryAfter: 1_000 }, [reply(503, { 'retry-after': '2' })]);
    const r = await drive(t.clock, t.run());
    expect(r.status).toBe(503);
    expect(t.sent).toHaveLength(1);
    expect(t.clock.now()).toBe(0);
  });

  it('starts no retry whose wait plus minAttemptTime would pass the deadline', async () => {
    const t = setup({ minAttemptTime: 10 }, [reply(503, { 'retry-after': '1' }), 200]);
    const r = await drive(t.clock, t.run({ deadline: 1_009 }));
    expect(r.status).toBe(503);
    expect(t.clock.now()).toBe(0);
    const u = setup({ minAttemptTime: 10 }, [reply(503, { 'retry-after': '1' }), 200]);
    expect((await drive(u.clock, u.run({ deadline: 1_010 }))).status).toBe(200);
  });

  it('returns the last reply, or RetryBudgetExhaustedError with the last error as cause, when the budget is spent', async () => {
    const t = setup({ budget: { ratio: 0.5, minPerSecond: 0 } }, [503, 200, 503, refused()]);
    // Call 1: one request deposited, 0.5 retries available: none, so its reply is returned.
    expect((await drive(t.clock, t.run())).status).toBe(503);
    // Call 2: two requests, but the reply is good.
    expect((await drive(t.clock, t.run())).status).toBe(200);
    // Call 3: three requests, 1.5 retries: one retry, which fails with an error; no second.
    const error = await drive(t.clock, t.run()).catch((e: unknown) => e);
    expect(t.sent).toHaveLength(4);
    expect(error).toBeInstanceOf(RetryBudgetExhaustedError);
    expect(((error as Error).cause as Error).message).toContain('ECONNREFUSED');
    expect(t.seen.filter((s) => s.name === 'budget-exhausted').map((s) => s.event)).toEqual([
      { service: 'svc', time: 0, kind: 'retry' },
      { service: 'svc', time: 12, kind: 'retry' },
    ]);
  });

  it('settles at once with the reason when the caller aborts during the backoff', async () => {
    const t = setup({ backoff: { initial: 1_000 } }, [503, 200]);
    const controller = new AbortController();
    const pending = t.run({ signal: controller.signal });
    await flush();
    expect(t.clock.pendingTimers).toBe(1);
    controller.abort(new Error('caller left'));
    await expect(pending).rejects.toThrow('caller left');
    expect(t.clock.pendingTimers).toBe(0);
    expect(t.sent).toHaveLength(1);
  });
});
