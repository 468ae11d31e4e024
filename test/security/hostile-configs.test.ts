/**
 * Hostile configs: endpoint objects are validated as strictly as options (no unknown key, no
 * `__proto__`), and a duration above Node's 2^31−1 ms timer limit is honoured, never cut to 1 ms.
 * The durations run on a manual clock whose timers behave like Node's (a longer delay fires after
 * 1 ms), wrapped in the chaining the system clock uses.
 */
import { describe, expect, it } from 'vitest';
import { chainedTimers, MAX_TIMER_MS } from '../../src/core/clock.js';
import { ConfigError, createClient, createMesh, ManualClock, staticDiscovery, TimeoutError, type ClientOptions, type TimerHandle } from '../../src/index.js';
import { FAULT_SERVER } from '../support/loopback.js';
import { useLoopbackClients } from '../support/loopback-clients.js';

const E = 'http://127.0.0.1:1';
const loopback = useLoopbackClients(1, FAULT_SERVER);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the config was accepted');
}

describe('endpoint objects are validated as strictly as options', () => {
  it.each([
    ['a misspelt key', [{ url: E, wieght: 2 }], 'endpoints[0].wieght'],
    ['a __proto__ key (from JSON)', JSON.parse(`[{ "url": "${E}", "__proto__": { "weight": 0 } }]`), 'endpoints[0].__proto__'],
    ['a __proto__ tag', JSON.parse(`[{ "url": "${E}", "tags": { "__proto__": { "x": "y" } } }]`), 'endpoints[0].tags.__proto__'],
    ['a tag that is not a string', [{ url: E, tags: { version: 2 } }], 'endpoints[0].tags.version'],
    ['tags that are not an object', [{ url: E, tags: ['v1'] }], 'endpoints[0].tags'],
    ['a url that is not a string', [{ url: new URL(E) }], 'endpoints[0].url'],
    ['a class instance instead of an object', [new (class Endpoint { url = E })()], 'endpoints[0]'],
  ])('createClient refuses %s', (_, endpoints, option) => {
    expect(configError(() => createClient({ service: 'svc', endpoints } as ClientOptions)).option).toBe(option);
  });

  it('staticDiscovery().set refuses a misspelt key and keeps the previous list', () => {
    const discovery = staticDiscovery([E]);
    expect(configError(() => discovery.set([{ url: 'http://127.0.0.1:2', zoen: 'a' } as never])).option).toBe('endpoints[0].zoen');
    expect(discovery.current().map((e) => e.url)).toEqual([E]);
  });

  it('a mesh config refuses a __proto__ key in an endpoint, naming its path', () => {
    const config = JSON.parse(`{ "services": { "payments": { "endpoints": [{ "url": "${E}", "__proto__": { "polluted": true } }] } } }`);
    expect(configError(() => createMesh({ config })).option).toBe('services.payments.endpoints[0].__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('accepts every documented key', () => {
    const client = createClient({ service: 'svc', endpoints: [{ url: E, id: 'a', weight: 2, zone: 'z1', tags: { version: 'v1' } }] });
    expect(client.stats().map((s) => [s.id, s.url])).toEqual([['a', E]]);
    return client.close();
  });
});

/** A manual clock whose timers behave like Node's: a delay above 2^31−1 ms fires after 1 ms. */
class NodeLikeClock extends ManualClock {
  /** Timers armed so far. */
  armed = 0;

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    // A timer re-armed every millisecond for 3e9 ms would never let the test end: fail instead.
    if (++this.armed > 10_000) throw new Error('timer storm: more than 10 000 timers armed');
    return super.setTimeout(fn, ms > MAX_TIMER_MS ? 1 : ms);
  }
}

const LONG = 3_000_000_000;

/** Lets the loopback answers and promise callbacks in flight run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('a duration above 2^31−1 ms is honoured, never cut to 1 ms', () => {
  it('breaker.resetTimeout: an opened breaker stays open for the whole reset timeout', async () => {
    const node = new NodeLikeClock();
    const client = loopback.client({
      service: 'svc',
      endpoints: loopback.fleet.urls,
      clock: chainedTimers(node),
      retry: false,
      // A rolling window as long: its one bucket rotates on a chained timer too (and rarely, on this clock).
      breaker: { resetTimeout: LONG, rollingCountTimeout: LONG + 1_000, rollingCountBuckets: 1, volumeThreshold: 3, maxEjectionPercent: 100 },
    });
    const transitions: string[] = [];
    client.on('breaker-open', () => transitions.push('open'));
    client.on('breaker-half-open', () => transitions.push('half-open'));
    for (let i = 0; i < 3; i++) await (await client.fetch('/status/503')).text();
    expect(transitions).toEqual(['open']);
    node.advance(1_000);
    node.advance(LONG - 2_000);
    expect(transitions).toEqual(['open']);
    expect(client.stats()[0]!.state).toBe('ejected');
    node.advance(1_000);
    expect(transitions).toEqual(['open', 'half-open']);
  });

  it('timeout.total with a bulkhead queue: a queued call waits, and fails only at the deadline', async () => {
    const node = new NodeLikeClock();
    const client = loopback.client({
      service: 'svc',
      endpoints: loopback.fleet.urls,
      clock: chainedTimers(node),
      retry: false,
      breaker: false,
      bulkhead: { maxConcurrent: 1, maxQueue: 1 },
      timeout: { attempt: LONG + 1_000, total: LONG },
    });
    const running = client.fetch('/hang').catch((e: unknown) => e);
    const queued = client.fetch('/ok').catch((e: unknown) => e);
    let settledAt: number | undefined;
    void queued.then(() => (settledAt = node.now()));
    await settle();
    node.advance(1_000);
    await settle();
    expect(settledAt).toBeUndefined();
    node.advance(LONG - 1_001);
    await settle();
    expect(settledAt).toBeUndefined();
    node.advance(1);
    const [first, second] = await Promise.all([running, queued]);
    expect(second).toBeInstanceOf(TimeoutError);
    expect(second).toMatchObject({ kind: 'total', timeoutMs: LONG });
    expect(settledAt).toBe(LONG);
    expect(first).toMatchObject({ kind: 'total', timeoutMs: LONG });
  });

  it('timeout.attempt: the attempt timer is armed a few times, not every millisecond, and fires on time', async () => {
    const node = new NodeLikeClock();
    const client = loopback.client({
      service: 'svc',
      endpoints: loopback.fleet.urls,
      clock: chainedTimers(node),
      retry: false,
      breaker: false,
      timeout: { attempt: LONG, total: LONG * 2 },
    });
    const call = client.fetch('/hang').catch((e: unknown) => e);
    let settledAt: number | undefined;
    void call.then(() => (settledAt = node.now()));
    await settle();
    const before = node.armed;
    for (let i = 0; i < 200; i++) node.advance(1);
    expect(node.armed - before).toBeLessThanOrEqual(2);
    node.advance(LONG - 201);
    await settle();
    expect(settledAt).toBeUndefined();
    node.advance(1);
    expect(await call).toMatchObject({ kind: 'attempt', timeoutMs: LONG });
    expect(settledAt).toBe(LONG);
  });
});
