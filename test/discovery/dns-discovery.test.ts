import { afterEach, describe, expect, it } from 'vitest';
import { dnsDiscovery } from '../../src/dns.js';
import { createMesh, DiscoveryError, ManualClock, seededRng, type Endpoint } from '../../src/index.js';
import { startDnsmasq, type Dnsmasq } from '../support/dnsmasq.js';
import { until, steadyLoad } from '../support/live-traffic.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function dnsmasq(records: readonly string[], ttl?: number): Promise<Dnsmasq> {
  const d = await startDnsmasq(records, ttl);
  cleanups.push(() => d.close());
  return d;
}

const srv = (port: number, priority = 10, weight = 1, target = 'node.test') => `srv-host=_http._tcp.payments.test,${target},${port},${priority},${weight}`;
const urls = (endpoints: readonly Endpoint[]): string[] => endpoints.map((e) => e.url).sort();


/** Lets the provider's real UDP round trip finish while the manual clock stands still. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 200));

describe('dnsDiscovery (switchyard/dns, against a real dnsmasq on 127.0.0.1)', () => {
  it('reads SRV records: the lowest priority, its weights and ports, targets resolved to addresses', async () => {
    const d = await dnsmasq(['host-record=node.test,127.0.0.1', 'host-record=other.test,127.0.0.2', srv(8001, 10, 5), srv(8002, 10, 0, 'other.test'), srv(8003, 20, 1)]);
    const discovery = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server] });
    cleanups.push(() => discovery.close());
    await discovery.ready();
    const byUrl = Object.fromEntries(discovery.current().map((e) => [e.url, e]));
    expect(Object.keys(byUrl).sort()).toEqual(['http://127.0.0.1:8001', 'http://127.0.0.2:8002']);
    expect(byUrl['http://127.0.0.1:8001']).toMatchObject({ weight: 5, tags: { priority: '10', target: 'node.test' } });
    expect(byUrl['http://127.0.0.2:8002']).toMatchObject({ weight: 0.01, tags: { priority: '10', target: 'other.test' } });
  });

  it('asks again over TCP when the UDP answer is truncated (60 SRV records do not fit in 512 bytes)', async () => {
    const ports = Array.from({ length: 60 }, (_, i) => 10_000 + i);
    const d = await dnsmasq(['host-record=node.test,127.0.0.1', ...ports.map((p) => srv(p))]);
    const discovery = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server] });
    cleanups.push(() => discovery.close());
    await discovery.ready();
    expect(urls(discovery.current())).toEqual(ports.map((p) => `http://127.0.0.1:${p}`).sort());
  });

  it('reads A and AAAA records on the given port', async () => {
    const d = await dnsmasq(['host-record=web.test,127.0.0.5,::1', 'host-record=web4.test,127.0.0.6']);
    const both = dnsDiscovery({ name: 'web.test', type: 'A+AAAA', port: 8080, servers: [d.server] });
    const v4 = dnsDiscovery({ name: 'web4.test', port: 8080, servers: [d.server] });
    const v6 = dnsDiscovery({ name: 'web.test', type: 'AAAA', port: 8080, protocol: 'https', servers: [d.server] });
    cleanups.push(() => both.close(), () => v4.close(), () => v6.close());
    await Promise.all([both.ready(), v4.ready(), v6.ready()]);
    expect(urls(both.current())).toEqual(['http://127.0.0.5:8080', 'http://[::1]:8080']);
    expect(urls(v4.current())).toEqual(['http://127.0.0.6:8080']);
    expect(urls(v6.current())).toEqual(['https://[::1]:8080']);
  });

  it('refreshes when the record TTL runs out, clamped by minTtlMs', async () => {
    const d = await dnsmasq(['host-record=node.test,127.0.0.1', srv(8001)], 2);
    const clock = new ManualClock();
    const plain = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server], clock, rng: seededRng(1), minTtlMs: 10 });
    const clamped = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server], clock, rng: seededRng(2), minTtlMs: 5_000 });
    cleanups.push(() => plain.close(), () => clamped.close());
    await Promise.all([plain.ready(), clamped.ready()]);
    await d.stop();
    await d.start(['host-record=node.test,127.0.0.1', srv(8001), srv(8002)]);
    clock.advance(1_999);
    await settle();
    expect(urls(plain.current())).toEqual(['http://127.0.0.1:8001']);
    clock.advance(1);
    await until(() => plain.current().length === 2, 'the refresh at the 2 s TTL');
    expect(urls(clamped.current())).toEqual(['http://127.0.0.1:8001']);
    clock.advance(2_999);
    await settle();
    expect(clamped.current()).toHaveLength(1);
    clock.advance(1);
    await until(() => clamped.current().length === 2, 'the refresh at the 5 s clamp');
  });

  it('keeps the last good set while dnsmasq is down or answers NXDOMAIN, and recovers by itself', async () => {
    const d = await dnsmasq(['host-record=node.test,127.0.0.1', srv(8001)]);
    const errors: unknown[] = [];
    let recovered = 0;
    const discovery = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server], minTtlMs: 50, timeoutMs: 300, backoff: { initialMs: 50, maxMs: 200 } });
    cleanups.push(() => discovery.close());
    discovery.subscribe({ update: () => {}, error: (e) => errors.push(e), recovered: () => recovered++ });
    await discovery.ready();
    await d.stop();
    await until(() => errors.length >= 2, 'failed refreshes');
    expect(urls(discovery.current())).toEqual(['http://127.0.0.1:8001']);
    expect(errors[0]).toBeInstanceOf(DiscoveryError);
    expect(discovery.status().state).toBe('stale');
    await d.start(['host-record=node.test,127.0.0.1']);
    await until(() => errors.some((e) => String((e as Error).message).endsWith('answered NXDOMAIN')), 'NXDOMAIN reported');
    expect(discovery.current()).toHaveLength(1);
    await d.stop();
    await d.start(['host-record=node.test,127.0.0.1', srv(8001), srv(8002)]);
    await until(() => discovery.current().length === 2, 'recovery');
    expect(recovered).toBe(1);
    expect(discovery.status()).toMatchObject({ state: 'fresh', failures: 0 });
  });

  it('leaves no timer or socket behind once closed', async () => {
    const d = await dnsmasq(['host-record=node.test,127.0.0.1', srv(8001)]);
    const watch = watchResources();
    const discovery = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server], minTtlMs: 10 });
    discovery.subscribe({ update: () => {}, error: () => {} });
    await discovery.ready();
    await new Promise((r) => setTimeout(r, 100));
    await discovery.close();
    expect(await watch.settled()).toEqual([]);
  });

  it('validates its options, naming the option and the value', () => {
    expect(() => dnsDiscovery({ name: 'web.test' })).toThrow('Invalid option port: undefined (expected a port number (required for A records))');
    expect(() => dnsDiscovery({ name: 'web.test', port: 80, type: 'MX' as never })).toThrow('Invalid option type: "MX"');
    expect(() => dnsDiscovery({ name: 'web.test', port: 80, servers: ['dns.example'] })).toThrow('Invalid option servers[0]: "dns.example"');
    expect(() => dnsDiscovery({ name: '' })).toThrow('Invalid option name: ""');
  });
});

describe('a mesh on dnsDiscovery while 500 calls/s run (real dnsmasq, real HTTP servers on 127.0.0.1)', () => {
  it('scale-out and scale-in through DNS, then dnsmasq down for 10 s: no call fails, events say so', async () => {
    const fleet: LoopbackFleet = await startLoopbackFleet(3);
    cleanups.push(() => fleet.stop());
    const ports = fleet.urls.map((u) => Number(new URL(u).port));
    const records = (n: number) => ['host-record=node.test,127.0.0.1', ...ports.slice(0, n).map((p) => srv(p))];
    const d = await dnsmasq(records(2));
    const discovery = dnsDiscovery({ name: '_http._tcp.payments.test', servers: [d.server], minTtlMs: 200, maxTtlMs: 200, timeoutMs: 500, backoff: { initialMs: 100, maxMs: 500 } });
    const mesh = createMesh({ discovery: { payments: discovery }, config: { services: { payments: {} } }, tracing: false });
    cleanups.push(() => mesh.close());
    const events: string[] = [];
    mesh.on('discovery-error', () => events.push('error'));
    mesh.on('discovery-recovered', () => events.push('recovered'));
    await discovery.ready();
    // Open loop: 5 calls every 10 ms.
    const load = steadyLoad(() => mesh.client('payments').request({ path: '/' }).then((r) => r.body.dump()));
    try {
      const requests = async (i: number): Promise<number> => (await fleet.stats(i)).requests;
      await until(async () => (await requests(0)) > 50 && (await requests(1)) > 50, 'traffic on the first two');
      expect(await requests(2)).toBe(0);
      // Scale out: the third joins through DNS and gets traffic.
      await d.stop();
      await d.start(records(3));
      await until(async () => (await requests(2)) > 50, 'traffic on the newcomer');
      // Scale in: the first leaves DNS and drains.
      await d.stop();
      await d.start(records(3).filter((r) => !r.includes(`,${ports[0]},`)));
      await until(() => discovery.current().length === 2, 'the scale-in');
      await new Promise((r) => setTimeout(r, 500));
      const drained = await requests(0);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await requests(0)).toBe(drained);
      // The registry down for 10 s: calls go on over the last good set.
      const before = load.sent;
      await d.stop();
      await new Promise((r) => setTimeout(r, 10_000));
      expect(discovery.status().state).toBe('stale');
      expect(discovery.status().staleForMs).toBeGreaterThan(5_000);
      expect(load.sent - before).toBeGreaterThan(1_000);
      await d.start();
      await until(() => discovery.status().state === 'fresh', 'recovery after the outage');
    } finally {
      await load.stop();
    }
    expect(load.failures.slice(0, 3)).toEqual([]);
    expect(load.failures.length).toBe(0);
    expect(events[0]).toBe('error');
    expect(events.at(-1)).toBe('recovered');
  }, 90_000);
});
