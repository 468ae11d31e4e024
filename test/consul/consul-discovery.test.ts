import Consul from 'consul';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consulDiscovery } from '../../src/consul.js';
import { ConfigError, DiscoveryError, ManualClock, seededRng, type Endpoint, type ManagedDiscovery } from '../../src/index.js';
import { startConsulStandIn, type ConsulStandIn } from '../support/consul-api.js';
import { watchResources } from '../support/resource-watch.js';

function recorder() {
  const updates: string[][] = [];
  const errors: unknown[] = [];
  const recovered: number[] = [];
  return {
    updates,
    errors,
    recovered,
    listener: {
      update: (endpoints: readonly Endpoint[]) => void updates.push(endpoints.map((e) => e.url)),
      error: (error: unknown) => void errors.push(error),
      recovered: (ms: number) => void recovered.push(ms),
    },
  };
}

const urls = (d: ManagedDiscovery): string[] => d.current().map((e) => e.url);
const healthQueries = (api: ConsulStandIn) => api.requests.filter((r) => r.path.startsWith('/v1/health/service/'));

describe('consulDiscovery: contract test against a Consul HTTP API stand-in', () => {
  let clock: ManualClock;
  let consulApi: ConsulStandIn;
  let client: Consul;
  let discovery: ManagedDiscovery | undefined;

  beforeEach(async () => {
    clock = new ManualClock();
    consulApi = await startConsulStandIn({ clock });
    client = new Consul({ host: consulApi.host, port: consulApi.port });
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081, tags: ['version=v1'] });
    consulApi.putService({ id: 'web-2', name: 'web', address: '127.0.0.1', port: 8082, meta: { zone: 'a' } });
  });
  afterEach(async () => {
    await discovery?.close();
    discovery = undefined;
    (client as unknown as { destroy(): void }).destroy();
    await consulApi.close();
  });

  const start = (options: Partial<Parameters<typeof consulDiscovery>[0]> = {}): ManagedDiscovery =>
    (discovery = consulDiscovery({ service: 'web', client, clock, rng: seededRng(7), ...options }));

  it('lists the passing instances, with tags and Meta as endpoint tags', async () => {
    consulApi.putService({ id: 'web-3', name: 'web', address: '127.0.0.1', port: 8083, status: 'critical' });
    const d = start();
    await d.ready();
    expect(d.current().map((e) => [e.url, e.tags])).toEqual([
      ['http://127.0.0.1:8081', { version: 'v1' }],
      ['http://127.0.0.1:8082', { zone: 'a' }],
    ]);
    expect(healthQueries(consulApi)[0]!.query).toMatchObject({ passing: 'true', index: '0' });
    expect(d.status()).toMatchObject({ state: 'fresh', endpoints: 2 });
  });

  it('follows changes with blocking queries that wait on the last X-Consul-Index', async () => {
    const d = start({ waitMs: 30_000 });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    const firstIndex = consulApi.requests.length;
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    const blockedQuery = healthQueries(consulApi).at(-1)!;
    expect(Number(blockedQuery.query.index)).toBeGreaterThan(0);
    expect(blockedQuery.query.wait).toBe('30000ms');

    consulApi.putService({ id: 'web-3', name: 'web', address: '127.0.0.1', port: 8083 });
    await expect.poll(() => urls(d)).toContain('http://127.0.0.1:8083');
    consulApi.setStatus('web-1', 'critical');
    await clock.advanceAsync(250);
    await expect.poll(() => urls(d)).not.toContain('http://127.0.0.1:8081');
    expect(r.updates).toEqual([
      ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
      ['http://127.0.0.1:8081', 'http://127.0.0.1:8082', 'http://127.0.0.1:8083'],
      ['http://127.0.0.1:8082', 'http://127.0.0.1:8083'],
    ]);
    expect(consulApi.requests.length - firstIndex).toBeLessThan(6);
  });

  it('a wait that runs out with the same index confirms the set without an update', async () => {
    const d = start({ waitMs: 10_000 });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    const before = healthQueries(consulApi).length;
    await clock.advanceAsync(10_000);
    await expect.poll(() => healthQueries(consulApi).length).toBe(before + 1);
    expect(r.updates).toHaveLength(1);
    expect(healthQueries(consulApi).at(-1)!.query.index).toBe(healthQueries(consulApi).at(-2)!.query.index);
  });

  it('an index that went backwards resets the wait to 0, so later changes are seen at once', async () => {
    const d = start({ waitMs: 10_000 });
    await d.ready();
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    // A restored snapshot: the index drops below what the provider waits on.
    consulApi.setIndex(1);
    consulApi.putService({ id: 'web-3', name: 'web', address: '127.0.0.1', port: 8083 });
    expect(urls(d)).not.toContain('http://127.0.0.1:8083');
    await clock.advanceAsync(10_000);
    await expect.poll(() => urls(d)).toContain('http://127.0.0.1:8083');
    await expect.poll(() => healthQueries(consulApi).some((q) => q.query.index === '0' && q !== healthQueries(consulApi)[0])).toBe(true);

    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    consulApi.putService({ id: 'web-4', name: 'web', address: '127.0.0.1', port: 8084 });
    await expect.poll(() => urls(d)).toContain('http://127.0.0.1:8084');
  });

  it('passingOnly: false keeps instances with a warning check, at their warning weight, and never critical ones', async () => {
    consulApi.putService({ id: 'web-3', name: 'web', address: '127.0.0.1', port: 8083, status: 'warning', weights: { Passing: 5, Warning: 2 } });
    consulApi.putService({ id: 'web-4', name: 'web', address: '127.0.0.1', port: 8084, status: 'critical' });
    const d = start({ passingOnly: false });
    await d.ready();
    expect(d.current().map((e) => [e.url, e.weight])).toEqual([
      ['http://127.0.0.1:8081', 1],
      ['http://127.0.0.1:8082', 1],
      ['http://127.0.0.1:8083', 2],
    ]);
    expect(healthQueries(consulApi)[0]!.query.passing).toBeUndefined();
  });

  it('sends the tag and datacenter filters, and the token of a connection it makes itself', async () => {
    const d = start({ client: undefined, consul: { host: consulApi.host, port: consulApi.port, token: 's3cret' }, tag: 'version=v1', datacenter: 'dc1' });
    await d.ready();
    expect(urls(d)).toEqual(['http://127.0.0.1:8081']);
    const query = healthQueries(consulApi)[0]!;
    expect(query.query).toMatchObject({ tag: 'version=v1', dc: 'dc1' });
    expect(query.headers['x-consul-token']).toBe('s3cret');
  });

  it('keeps the last good set while Consul is down, reports it, and recovers by itself', async () => {
    const d = start({ backoff: { initialMs: 100, maxMs: 1_000 } });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);

    await consulApi.stop();
    await expect.poll(() => r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]).toBeInstanceOf(DiscoveryError);
    expect((r.errors[0] as DiscoveryError).provider).toBe('consul web');
    expect(d.status().state).toBe('stale');
    for (let i = 0; i < 3; i++) await clock.advanceAsync(1_000, 100);
    expect(urls(d)).toEqual(['http://127.0.0.1:8081', 'http://127.0.0.1:8082']);

    consulApi.putService({ id: 'web-3', name: 'web', address: '127.0.0.1', port: 8083 });
    await consulApi.start();
    for (let i = 0; i < 20 && !urls(d).includes('http://127.0.0.1:8083'); i++) {
      await clock.advanceAsync(1_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(urls(d)).toContain('http://127.0.0.1:8083');
    expect(d.status()).toMatchObject({ state: 'fresh', failures: 0 });
    expect(r.recovered).toHaveLength(1);
  });

  it('a reply with HTTP 500 is a failure that keeps the set, retried after a backoff', async () => {
    const d = start({ backoff: { initialMs: 100, maxMs: 1_000 } });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    consulApi.failNext('/v1/health/service/web', 500);
    await clock.advanceAsync(250);
    await expect.poll(() => r.errors.length).toBe(1);
    expect(urls(d)).toHaveLength(2);
    // Equal jitter: the first retry waits between 50 and 100 ms; the new session lists first, then blocks.
    const before = healthQueries(consulApi).length;
    await clock.advanceAsync(100);
    await expect.poll(() => healthQueries(consulApi).length).toBe(before + 1);
    await expect.poll(() => d.status().state).toBe('fresh');
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
  });

  it('a query that hangs past its deadline is abandoned and reported', async () => {
    // The stand-in's wait runs on a clock nobody moves, so only the provider's deadline ends the query.
    await consulApi.close();
    consulApi = await startConsulStandIn({ clock: new ManualClock() });
    consulApi.putService({ id: 'web-1', name: 'web', address: '127.0.0.1', port: 8081 });
    client = new Consul({ host: consulApi.host, port: consulApi.port });
    const d = start({ waitMs: 1_000 });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    // 1 000 ms wait + 63 ms (wait / 16) + 5 000 ms for the reply.
    await clock.advanceAsync(6_062);
    expect(r.errors).toHaveLength(0);
    await clock.advanceAsync(1);
    await expect.poll(() => r.errors.length).toBe(1);
    expect((r.errors[0] as Error).message).toMatch(/health query did not finish within 6063 ms/);
    await expect.poll(() => consulApi.blocked).toBe(0);
  });

  it('close() cancels the blocking query and leaves no socket or timer behind', async () => {
    const resources = watchResources();
    const d = start({ client: undefined, consul: { host: consulApi.host, port: consulApi.port } });
    await d.ready();
    await clock.advanceAsync(250);
    await expect.poll(() => consulApi.blocked).toBe(1);
    await d.close();
    discovery = undefined;
    await expect.poll(() => consulApi.blocked).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(await resources.settled()).toEqual([]);
  });

  it.each([
    [{ service: '' }, 'service'],
    [{ service: 'web', scheme: 'ftp' }, 'scheme'],
    [{ service: 'web', waitMs: 600_001 }, 'waitMs'],
    [{ service: 'web', client: {} }, 'client'],
    [{ service: 'web', consul: { port: 0 } }, 'consul.port'],
    [{ service: 'web', consul: { hots: 'x' } }, 'consul.hots'],
    [{ service: 'web', client: new Consul(), consul: {} }, 'consul'],
    [{ service: 'web', passingOnly: 'yes' }, 'passingOnly'],
  ])('rejects bad options naming the option (%j)', (options, option) => {
    expect(() => consulDiscovery(options as never)).toThrow(ConfigError);
    expect(() => consulDiscovery(options as never)).toThrow(expect.objectContaining({ option }));
  });
});
