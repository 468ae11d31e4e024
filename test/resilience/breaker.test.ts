import diagnosticsChannel from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { BreakerLayer } from '../../src/breaker/breaker-layer.js';
import { parseBreakerOptions, type BreakerOptions, type BreakerSettings } from '../../src/breaker/breaker-options.js';
import { EndpointBreaker } from '../../src/breaker/endpoint-breaker.js';
import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import type { Call, Handler, Reply } from '../../src/core/call.js';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitOpenError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { seededRng } from '../../src/core/rng.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { call, fakeFleet, record, refused, reply } from './fakes.js';

function setup(options: BreakerOptions = {}, endpoints = 4) {
  const clock = new ManualClock();
  const events = new EventBus();
  const fleet = fakeFleet(clock, endpoints, events);
  const settings = parseBreakerOptions({ volumeThreshold: 4, resetTimeout: 1_000, ...options }) as BreakerSettings;
  const layer = new BreakerLayer(settings, { service: 'svc', clock, rng: seededRng(1), events, fleet });
  const seam = new AttemptSeam({ fleet, clock, breaker: layer, isFailureStatus: settings.isFailureStatus });
  const seen = record(events, 'breaker-open', 'breaker-half-open', 'breaker-close', 'endpoint-ejected', 'endpoint-restored');
  const endpoint = (i: number) => fleet.get(`e${i}`)!;
  /** Sends one attempt to endpoint i whose outcome is `outcome`. */
  const send = (i: number, outcome: number | Error | Handler, extra: Partial<Call> = {}) => {
    const next: Handler = typeof outcome === 'function' ? outcome : async () => {
      if (outcome instanceof Error) throw outcome;
      return reply(outcome);
    };
    return seam.middleware(call(clock.now(), { endpoint: endpoint(i), ...extra }), next).catch((e: unknown) => e);
  };
  const breaker = (i: number) => endpoint(i).breaker as EndpointBreaker;
  const names = () => seen.map((s) => `${s.name} ${s.event.endpoint}`);
  return { clock, events, fleet, layer, endpoint, send, breaker, names, seen };
}

/** A `next` that stays pending until the test settles it. */
function pending() {
  let settle!: (r: Reply | Error) => void;
  const next: Handler = () => new Promise<Reply>((resolve, reject) => (settle = (r) => (r instanceof Error ? reject(r) : resolve(r))));
  return { next, settle: (r: Reply | Error) => settle(r) };
}

describe('per-endpoint breaker', () => {
  it('is created on the first pick only, so an idle endpoint has no breaker', async () => {
    const t = setup();
    expect(t.endpoint(0).breaker).toBeUndefined();
    await t.send(0, 200);
    expect(t.breaker(0)).toBeInstanceOf(EndpointBreaker);
    expect(t.endpoint(1).breaker).toBeUndefined();
    expect(t.layer.breakerCount).toBe(1);
  });

  it('opens once the volume threshold is reached with failures above the threshold, ejecting the endpoint', async () => {
    const t = setup();
    for (let i = 0; i < 3; i++) await t.send(0, 503);
    expect(t.breaker(0).state).toBe('closed');
    expect(t.endpoint(0).available).toBe(true);
    const last = await t.send(0, refused());
    expect((last as Error).message).toContain('ECONNREFUSED');
    expect(t.breaker(0).state).toBe('open');
    expect(t.endpoint(0).health).toBe('ejected');
    expect(t.seen).toEqual([
      { name: 'breaker-open', event: { service: 'svc', time: 0, endpoint: 'e0', url: 'http://127.0.0.1:1000' } },
      { name: 'endpoint-ejected', event: { service: 'svc', time: 0, endpoint: 'e0', url: 'http://127.0.0.1:1000' } },
    ]);
  });

  it('publishes its transitions on the diagnostics channels switchyard:<event>', async () => {
    const t = setup();
    const published: unknown[] = [];
    const onMessage = (message: unknown): void => void published.push(message);
    diagnosticsChannel.subscribe('switchyard:breaker-open', onMessage);
    try {
      for (let i = 0; i < 4; i++) await t.send(0, 503);
    } finally {
      diagnosticsChannel.unsubscribe('switchyard:breaker-open', onMessage);
    }
    expect(published).toEqual([{ service: 'svc', time: 0, endpoint: 'e0', url: 'http://127.0.0.1:1000' }]);
  });

  it('returns a failing reply to the caller rather than throwing it', async () => {
    const t = setup();
    const r = await t.send(0, 503);
    expect((r as Reply).status).toBe(503);
  });

  it('counts 5xx, connection errors and timeouts, but not 4xx nor aborted attempts', async () => {
    const t = setup();
    for (let i = 0; i < 10; i++) await t.send(0, 404);
    const controller = new AbortController();
    controller.abort();
    for (let i = 0; i < 10; i++) await t.send(0, new Error('aborted'), { signal: controller.signal });
    // 20 attempts, none a failure: four failures out of 24 stay under 50 %.
    for (let i = 0; i < 4; i++) await t.send(0, 500);
    expect(t.breaker(0).state).toBe('closed');
  });

  it('counts an attempt when it is sent, so failures are weighed against every attempt in flight', async () => {
    const t = setup();
    const attempts = [pending(), pending(), pending(), pending()];
    const sent = attempts.map((a) => t.send(0, a.next));
    attempts[0]!.settle(reply(503));
    attempts[1]!.settle(reply(503));
    await Promise.all(sent.slice(0, 2));
    // Two failures out of four attempts sent: 50 %, not above the threshold.
    expect(t.breaker(0).state).toBe('closed');
    attempts[2]!.settle(refused());
    await sent[2];
    expect(t.breaker(0).state).toBe('open');
    attempts[3]!.settle(reply(200));
    await sent[3];
  });

  it('does not count an attempt sent before the breaker closed in its fresh window', async () => {
    const t = setup();
    const old = pending();
    const oldAttempt = t.send(0, old.next);
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    await t.send(0, 200);
    expect(t.breaker(0).state).toBe('closed');
    old.settle(reply(503));
    await oldAttempt;
    // The fresh window: two failures out of four, 50 %, so it stays closed.
    for (const status of [200, 200, 503, 503]) await t.send(0, status);
    expect(t.breaker(0).state).toBe('closed');
    await t.send(0, 503);
    expect(t.breaker(0).state).toBe('open');
  });

  it('takes the failure test from isFailureStatus', async () => {
    const t = setup({ isFailureStatus: (s) => s === 429 || s >= 500 });
    for (let i = 0; i < 4; i++) await t.send(0, 429);
    expect(t.breaker(0).state).toBe('open');
  });

  it('forgets failures once they leave the rolling window', async () => {
    const t = setup({ rollingCountTimeout: 1_000, rollingCountBuckets: 10 });
    for (let i = 0; i < 3; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    await t.send(0, 503);
    expect(t.breaker(0).state).toBe('closed');
    for (let i = 0; i < 3; i++) await t.send(0, 503);
    expect(t.breaker(0).state).toBe('open');
  });

  it('goes half-open after resetTimeout on the client clock and admits one probe at a time', async () => {
    const t = setup({ panic: false });
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(999);
    expect(t.breaker(0).state).toBe('open');
    t.clock.advance(1);
    expect(t.breaker(0).state).toBe('half-open');
    expect(t.endpoint(0).health).toBe('probing');
    expect(t.endpoint(0).available).toBe(true);
    const probe = pending();
    const first = t.send(0, probe.next);
    // With its only probe slot taken the endpoint is not pickable; an attempt that reaches it anyway is refused unsent.
    expect(t.endpoint(0).available).toBe(false);
    const refusedAttempt = await t.send(0, 200);
    expect(refusedAttempt).toBeInstanceOf(CircuitOpenError);
    expect((refusedAttempt as CircuitOpenError).endpoint).toBe('e0');
    probe.settle(reply(200));
    await first;
    expect(t.breaker(0).state).toBe('closed');
    expect(t.endpoint(0).health).toBe('healthy');
    expect(t.names()).toEqual(['breaker-open e0', 'endpoint-ejected e0', 'breaker-half-open e0', 'breaker-close e0', 'endpoint-restored e0']);
  });

  it('admits up to halfOpenProbes probes at once', async () => {
    const t = setup({ halfOpenProbes: 2 });
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    const a = pending();
    const b = pending();
    const pa = t.send(0, a.next);
    expect(t.endpoint(0).available).toBe(true);
    const pb = t.send(0, b.next);
    expect(t.breaker(0).probes).toBe(2);
    expect(t.endpoint(0).available).toBe(false);
    a.settle(reply(503));
    await pa;
    expect(t.breaker(0).state).toBe('open');
    // The other probe's late success belongs to a past state and changes nothing.
    b.settle(reply(200));
    await pb;
    expect(t.breaker(0).state).toBe('open');
  });

  it('reopens when the probe fails, and half-opens again after another resetTimeout', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    await t.send(0, refused());
    expect(t.breaker(0).state).toBe('open');
    expect(t.endpoint(0).health).toBe('ejected');
    t.clock.advance(1_000);
    expect(t.breaker(0).state).toBe('half-open');
    expect(t.names()).toEqual(['breaker-open e0', 'endpoint-ejected e0', 'breaker-half-open e0', 'breaker-open e0', 'breaker-half-open e0']);
  });

  it('frees the probe slot when the probe is aborted, so it is never stuck half-open', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    const controller = new AbortController();
    const probe = pending();
    const attempt = t.send(0, probe.next, { signal: controller.signal });
    expect(t.endpoint(0).available).toBe(false);
    controller.abort();
    probe.settle(new Error('aborted'));
    await attempt;
    expect(t.breaker(0).state).toBe('half-open');
    expect(t.breaker(0).probes).toBe(0);
    expect(t.endpoint(0).health).toBe('probing');
  });

  it('closes with a fresh window: one failure right after closing does not reopen it', async () => {
    const t = setup();
    for (let i = 0; i < 4; i++) await t.send(0, 503);
    t.clock.advance(1_000);
    await t.send(0, 200);
    await t.send(0, 503);
    expect(t.breaker(0).state).toBe('closed');
  });

  it('ejects at most maxEjectionPercent of the fleet; a breaker past the cap stays closed and keeps serving', async () => {
    const t = setup({ maxEjectionPercent: 50 });
    for (const i of [0, 1, 2]) for (let k = 0; k < 4; k++) await t.send(i, 503);
    expect([0, 1, 2, 3].map((i) => t.endpoint(i).health)).toEqual(['ejected', 'ejected', 'healthy', 'healthy']);
    expect(t.layer.ejectedCount).toBe(2);
    expect(t.breaker(2).state).toBe('closed');
    // Once an ejected endpoint recovers, the next failure of the capped one ejects it.
    t.clock.advance(1_000);
    await t.send(0, 200);
    await t.send(2, 503);
    expect(t.endpoint(2).health).toBe('ejected');
    expect(t.names().filter((n) => n.startsWith('endpoint-ejected'))).toEqual(['endpoint-ejected e0', 'endpoint-ejected e1', 'endpoint-ejected e2']);
  });

  it('always allows one ejection, even in a fleet of one', async () => {
    const t = setup({ maxEjectionPercent: 10 }, 1);
    for (let k = 0; k < 4; k++) await t.send(0, 503);
    expect(t.endpoint(0).health).toBe('ejected');
  });

  it('panics when every endpoint is ejected: picks among all, untried first, and sends through', async () => {
    const t = setup({ maxEjectionPercent: 100 }, 3);
    for (const i of [0, 1, 2]) for (let k = 0; k < 4; k++) await t.send(i, 503);
    expect([0, 1, 2].every((i) => !t.endpoint(i).available)).toBe(true);
    const picked = t.layer.panicPick(call(0, { tried: new Set(['e0', 'e2']) }), t.fleet.snapshot);
    expect(picked?.id).toBe('e1');
    // A panic attempt is sent, and its success closes the breaker.
    const r = await t.send(1, 200);
    expect((r as Reply).status).toBe(200);
    expect(t.breaker(1).state).toBe('closed');
  });

  it('gives no panic pick when panic is off', async () => {
    const t = setup({ panic: false }, 2);
    expect(t.layer.panicPick(call(0), t.fleet.snapshot)).toBeUndefined();
  });

  it('is shut down with its timers when its endpoint leaves the fleet, and the rotation timer stops with the last one', async () => {
    const t = setup();
    for (let k = 0; k < 4; k++) await t.send(0, 503);
    await t.send(1, 200);
    // The shared rotation timer and e0's reset timer.
    expect(t.clock.pendingTimers).toBe(2);
    t.fleet.update([toEndpoint({ url: 'http://127.0.0.1:1001', id: 'e1' }, 'endpoints[0]')]);
    expect(t.layer.ejectedCount).toBe(0);
    expect(t.clock.pendingTimers).toBe(1);
    t.fleet.close();
    expect(t.clock.pendingTimers).toBe(0);
    expect(t.layer.breakerCount).toBe(0);
  });

  it('rotates every breaker window from one timer however many endpoints there are', async () => {
    const t = setup({}, 50);
    for (let i = 0; i < 50; i++) await t.send(i, 200);
    expect(t.layer.breakerCount).toBe(50);
    expect(t.clock.pendingTimers).toBe(1);
  });
});

// Issue 11 item 7: with defaults `endpoint-ejected` fired 9.0 s after a backend was killed, and a
// 2 s outage was never ejected: the window's volume and share had to build up first.
describe('consecutive-failure outlier detection (Envoy consecutive_5xx and consecutive_gateway_failure)', () => {
  // A large window volume, so only the consecutive rules can trip in these tests.
  const quiet = { volumeThreshold: 1_000 };

  it('opens after consecutive5xx (default 5) failures in a row, whatever the window volume, and a success resets the count', async () => {
    const t = setup(quiet);
    for (let k = 0; k < 4; k++) await t.send(0, 500);
    await t.send(0, 200);
    for (let k = 0; k < 4; k++) await t.send(0, refused());
    expect(t.breaker(0).state).toBe('closed');
    await t.send(0, 500);
    expect(t.breaker(0).state).toBe('open');
    expect(t.names()).toEqual(['breaker-open e0', 'endpoint-ejected e0']);
  });

  it('counts neither aborted nor dropped attempts, which leave the run unbroken', async () => {
    const t = setup(quiet);
    const aborted = new AbortController();
    aborted.abort();
    for (let k = 0; k < 4; k++) await t.send(0, 503);
    await t.send(0, refused(), { signal: aborted.signal });
    expect(t.breaker(0).state).toBe('closed');
    await t.send(0, 503);
    expect(t.breaker(0).state).toBe('open');
  });

  it('consecutiveGatewayFailure opens on refused connects and 502/503/504 in a row when consecutive5xx is off; a 500 resets that count', async () => {
    const t = setup({ ...quiet, consecutive5xx: false, consecutiveGatewayFailure: 3 });
    await t.send(0, refused());
    await t.send(0, 502);
    await t.send(0, 500);
    await t.send(0, 504);
    await t.send(0, refused());
    expect(t.breaker(0).state).toBe('closed');
    await t.send(0, 503);
    expect(t.breaker(0).state).toBe('open');
    // Application 500s alone never trip it.
    const u = setup({ ...quiet, consecutive5xx: false, consecutiveGatewayFailure: 3 });
    for (let k = 0; k < 20; k++) await u.send(0, 500);
    expect(u.breaker(0).state).toBe('closed');
  });

  it('respects the ejection cap: a second dead endpoint of two stays in, and asks again on its next failure once the first is back', async () => {
    const t = setup({ ...quiet, maxEjectionPercent: 50 }, 2);
    for (let k = 0; k < 5; k++) await t.send(0, refused());
    for (let k = 0; k < 5; k++) await t.send(1, refused());
    expect([t.breaker(0).state, t.breaker(1).state]).toEqual(['open', 'closed']);
    t.clock.advance(1_000);
    await t.send(0, 200);
    expect(t.breaker(0).state).toBe('closed');
    await t.send(1, refused());
    expect(t.breaker(1).state).toBe('open');
  });

  it('turns off with false or 0, and rejects a count that is not a non-negative integer, naming the option', () => {
    expect(parseBreakerOptions({ consecutive5xx: false, consecutiveGatewayFailure: 0 })).toMatchObject({ consecutive5xx: 0, consecutiveGatewayFailure: 0 });
    expect(parseBreakerOptions(undefined)).toMatchObject({ consecutive5xx: 5, consecutiveGatewayFailure: 5 });
    expect(() => parseBreakerOptions({ consecutive5xx: 2.5 })).toThrow(/breaker\.consecutive5xx/);
    expect(() => parseBreakerOptions({ consecutiveGatewayFailure: true })).toThrow(/breaker\.consecutiveGatewayFailure/);
  });
});
