import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreakerLayer } from '../../src/breaker/breaker-layer.js';
import { parseBreakerOptions, type BreakerSettings } from '../../src/breaker/breaker-options.js';
import type { AttemptOutcome } from '../../src/core/attempt-outcome.js';
import { createCall, type Handler, type Reply } from '../../src/core/call.js';
import { ManualClock } from '../../src/core/clock.js';
import { CircuitOpenError, ClientClosedError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { seededRng } from '../../src/core/rng.js';
import { toEndpoint } from '../../src/fleet/endpoint.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { createClient, type Client } from '../../src/index.js';
import { AttemptSeam } from '../../src/mesh/attempt-seam.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

function setup(breakerOn = true) {
  const clock = new ManualClock();
  const events = new EventBus();
  const fleet = new Fleet({ service: 'svc', clock, events, ewmaTauMs: 10_000 });
  fleet.update([toEndpoint('http://127.0.0.1:1', 'endpoints[0]')]);
  const settings = parseBreakerOptions({ volumeThreshold: 2, resetTimeout: 1_000, panic: false }) as BreakerSettings;
  const breaker = breakerOn ? new BreakerLayer(settings, { service: 'svc', clock, rng: seededRng(1), events, fleet }) : undefined;
  const seam = new AttemptSeam({ fleet, clock, breaker, isFailureStatus: settings.isFailureStatus });
  const outcomes: AttemptOutcome[] = [];
  const stop = seam.observe({ attemptEnded: (o) => outcomes.push(o) });
  const endpoint = fleet.snapshot.members[0]!;
  const reply = (status: number): Reply => ({ status, headers: {}, body: null as unknown as Reply['body'], endpoint });
  /** Runs one attempt through the seam, taking `ms` of clock time, ending with `end`. */
  const attempt = (end: number | Error, ms = 10, signal?: AbortSignal) => {
    const next: Handler = () => {
      clock.advance(ms);
      return end instanceof Error ? Promise.reject(end) : Promise.resolve(reply(end));
    };
    return seam.middleware(createCall({ service: 'svc', endpoint, signal }), next).catch((e: unknown) => e);
  };
  return { clock, fleet, seam, breaker, outcomes, stop, endpoint, attempt };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
const invalidPath = () => Object.assign(new Error('invalid request path'), { code: 'UND_ERR_INVALID_ARG' });

describe('the completion seam', () => {
  it('classifies every end once: ok, failure status, connection failure, caller abort, refusal before sending', async () => {
    const t = setup(false);
    await t.attempt(200);
    await t.attempt(404);
    await t.attempt(503);
    await t.attempt(refused());
    const aborted = new AbortController();
    aborted.abort();
    await t.attempt(new Error('aborted'), 10, aborted.signal);
    await t.attempt(invalidPath());
    await t.attempt(new ClientClosedError('svc'));
    expect(t.outcomes.map((o) => o.kind)).toEqual(['ok', 'ok', 'failure', 'failure', 'aborted', 'dropped', 'dropped']);
    expect(t.outcomes.every((o) => o.endpoint === t.endpoint && o.endedAt - o.startedAt === 10)).toBe(true);
  });

  it('tells the load tracker the same outcome: failures count, a refusal before sending is no sample and no failure', async () => {
    const t = setup(false);
    await t.attempt(200, 40);
    expect(t.endpoint.ewmaMs).toBeGreaterThan(0);
    const estimate = t.endpoint.ewmaMs;
    for (let i = 0; i < 5; i++) await t.attempt(invalidPath(), 0);
    expect({ requests: t.endpoint.requests, failures: t.endpoint.failures, inFlight: t.endpoint.inFlight }).toEqual({ requests: 1, failures: 0, inFlight: 0 });
    expect(t.endpoint.ewmaMs).toBe(estimate);
    await t.attempt(503);
    expect(t.endpoint.failures).toBe(1);
  });

  it('tells the breaker the same outcome: refusals before sending never trip it, failures do', async () => {
    const t = setup();
    for (let i = 0; i < 10; i++) await t.attempt(invalidPath());
    expect(t.endpoint.health).toBe('healthy');
    await t.attempt(503);
    await t.attempt(refused());
    expect(t.endpoint.health).toBe('ejected');
    t.breaker!.close();
  });

  it('a refused admission (open breaker, panic off) starts no attempt: no observer hears of it', async () => {
    const t = setup();
    await t.attempt(503);
    await t.attempt(503);
    const heard = t.outcomes.length;
    expect(await t.attempt(200)).toBeInstanceOf(CircuitOpenError);
    expect(t.outcomes).toHaveLength(heard);
    expect(t.endpoint.inFlight).toBe(0);
    t.breaker!.close();
  });

  it('stops telling an observer once it unsubscribes', async () => {
    const t = setup(false);
    await t.attempt(200);
    t.stop();
    await t.attempt(200);
    expect(t.outcomes).toHaveLength(1);
  });

  it('hands each fleet writer out once: the seam holds the load writer, the breaker layer the health writer', () => {
    const t = setup();
    expect(() => t.fleet.claimLoadWriter()).toThrow(/load writer of service 'svc' is already claimed/);
    expect(() => t.fleet.claimHealthWriter()).toThrow(/health writer of service 'svc' is already claimed/);
    t.breaker!.close();
  });
});

describe("the caller's bad input never counts against an endpoint (loopback servers)", () => {
  let servers: LoopbackFleet;
  let client: Client;
  beforeAll(async () => {
    servers = await startLoopbackFleet(4);
    client = createClient({ service: 'search', endpoints: servers.urls, tracing: false, breaker: { volumeThreshold: 5 } });
  });
  afterAll(async () => {
    await client?.close();
    await servers?.stop();
  });

  it('60 requests undici refuses before sending (an upgrade header) eject nothing and record no failure', async () => {
    // A space in a fetch path no longer reaches undici: fetch encodes it, as the global fetch does.
    for (let i = 0; i < 60; i++) await expect(client.fetch('/search?q=a', { headers: { upgrade: 'websocket' } })).rejects.toThrow();
    const stats = client.stats();
    expect(stats.map((e) => e.state)).toEqual(['healthy', 'healthy', 'healthy', 'healthy']);
    expect(stats.reduce((n, e) => n + e.failures, 0)).toBe(0);
    const res = await client.fetch('/search?q=a%20b');
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });
});
