import { Etcd3 } from 'etcd3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { etcdConfig, etcdDiscovery, registerEtcd } from '../../src/etcd.js';
import { ConfigError, createMesh, DiscoveryError, type ConfigEvent, type Endpoint } from '../../src/index.js';
import { startEtcd, type EtcdServer } from '../support/etcd.js';
import { until, steadyLoad } from '../support/live-traffic.js';
import { startLoopbackFleet } from '../support/loopback.js';
import { watchResources } from '../support/resource-watch.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// One etcd for the tests that do not stop it (each uses its own key prefix); the restart test starts its own.
let shared: Promise<EtcdServer> | undefined;
const etcd = (): Promise<EtcdServer> => (shared ??= startEtcd());
afterAll(async () => {
  await (await shared)?.close();
});

function client(url: string): Etcd3 {
  const c = new Etcd3({ hosts: url });
  cleanups.push(() => c.close());
  return c;
}

let prefixes = 0;
const nextPrefix = (): string => `/switchyard-test/${process.pid}-${prefixes++}/`;
const urls = (endpoints: readonly Endpoint[]): string[] => endpoints.map((e) => e.url).sort();


describe('etcdDiscovery (switchyard/etcd, against a real etcd on 127.0.0.1)', () => {
  it('lists the prefix, then follows puts and deletes; JSON values carry weight, zone and tags', async () => {
    const server = await etcd();
    const c = client(server.url);
    const prefix = nextPrefix();
    await c.put(`${prefix}a`).value('http://127.0.0.1:9001');
    await c.put(`${prefix}b`).value(JSON.stringify({ url: 'http://127.0.0.1:9002', weight: 3, zone: 'z1', tags: { version: 'v2' } }));
    await c.put('/elsewhere/x').value('http://127.0.0.1:9999');
    const errors: unknown[] = [];
    const discovery = etcdDiscovery({ client: c, prefix });
    cleanups.push(() => discovery.close());
    discovery.subscribe({ update: () => {}, error: (e) => errors.push(e) });
    await discovery.ready();
    expect(urls(discovery.current())).toEqual(['http://127.0.0.1:9001', 'http://127.0.0.1:9002']);
    expect(discovery.current().find((e) => e.url.endsWith('9002'))).toMatchObject({ weight: 3, zone: 'z1', tags: { version: 'v2' } });
    await c.put(`${prefix}c`).value('http://127.0.0.1:9003');
    await c.delete().key(`${prefix}a`);
    await until(() => urls(discovery.current()).join() === 'http://127.0.0.1:9002,http://127.0.0.1:9003', 'the put and the delete');
    await c.put(`${prefix}bad`).value('not a url');
    await until(() => errors.length === 1, 'the invalid value reported');
    expect((errors[0] as ConfigError).option).toBe(`etcd ${prefix}["${prefix}bad"].url`);
    expect(discovery.current()).toHaveLength(2);
  });

  it('lists again after a reconnect, and starts over when etcd cancels the watch whose revision was compacted while it was partitioned away', async () => {
    const server = await etcd();
    const direct = client(server.url);
    const proxy = await startTcpProxy(Number(new URL(server.url).port));
    cleanups.push(() => proxy.close());
    const viaProxy = client(`http://127.0.0.1:${proxy.port}`);
    const prefix = nextPrefix();
    await direct.put(`${prefix}a`).value('http://127.0.0.1:9001');
    const errors: unknown[] = [];
    let recovered = 0;
    const discovery = etcdDiscovery({ client: viaProxy, prefix, timeoutMs: 2_000, backoff: { initialMs: 100, maxMs: 500 } });
    cleanups.push(() => discovery.close());
    const relisted = 'http://127.0.0.1:9002,http://127.0.0.1:9003';
    // Read as the re-list is published: etcd may cancel the resumed watch right after it.
    let stateWhenRelisted: string | undefined;
    discovery.subscribe({
      update: (set) => {
        if (urls(set).join() === relisted) stateWhenRelisted ??= discovery.status().state;
      },
      error: (e) => errors.push(e),
      recovered: () => recovered++,
    });
    await discovery.ready();
    // A partition: changes and a compaction happen while the provider cannot see etcd.
    proxy.cut();
    await until(() => discovery.status().state === 'stale', 'the provider noticing the partition');
    await direct.put(`${prefix}b`).value('http://127.0.0.1:9002');
    await direct.delete().key(`${prefix}a`);
    const { header } = await direct.put(`${prefix}c`).value('http://127.0.0.1:9003').exec();
    await direct.kv.compact({ revision: header.revision, physical: true });
    expect(urls(discovery.current())).toEqual(['http://127.0.0.1:9001']);
    proxy.heal();
    await until(() => stateWhenRelisted !== undefined, 'the re-list after the partition');
    expect(stateWhenRelisted).toBe('fresh');
    expect(recovered).toBeGreaterThanOrEqual(1);
    // The resumed watch asked for a compacted revision: etcd cancels it, and the provider starts over with a new list.
    await until(() => errors.some((e) => (e as Error).message.includes('Watcher canceled')), 'the cancelled watch reported');
    await until(() => discovery.status().state === 'fresh', 'the new session');
    expect(urls(discovery.current())).toEqual(['http://127.0.0.1:9002', 'http://127.0.0.1:9003']);
    // The new watch goes on.
    await direct.put(`${prefix}d`).value('http://127.0.0.1:9004');
    await until(() => discovery.current().length === 3, 'a put after the re-list');
  });

  it('leaves no timer or socket behind once closed, with a client of its own from hosts', async () => {
    const server = await etcd();
    const watch = watchResources();
    const prefix = nextPrefix();
    const registration = registerEtcd({ hosts: server.url, key: `${prefix}a`, endpoint: 'http://127.0.0.1:9001', ttl: 5 });
    await registration.ready();
    const discovery = etcdDiscovery({ hosts: server.url, prefix });
    await discovery.ready();
    expect(discovery.current()).toHaveLength(1);
    await discovery.close();
    await registration.close();
    expect(await watch.settled(10_000)).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => etcdDiscovery({ prefix: '/x/' })).toThrow('Invalid option hosts: undefined');
    expect(() => etcdDiscovery({ client: {} as never, prefix: '/x/' })).toThrow('Invalid option client: {}');
    expect(() => etcdDiscovery({ hosts: 'http://127.0.0.1:1', prefix: '' })).toThrow('Invalid option prefix: ""');
  });
});

describe('registerEtcd (a lease kept alive, against a real etcd)', () => {
  it('writes the key under a lease, re-creates a lost lease, and revokes it on close', async () => {
    const server = await etcd();
    const c = client(server.url);
    const prefix = nextPrefix();
    const key = `${prefix}instance-1`;
    const errors: unknown[] = [];
    const registration = registerEtcd({ hosts: server.url, key, endpoint: { url: 'http://127.0.0.1:9100', zone: 'z1' }, ttl: 5, backoff: { initialMs: 100, maxMs: 200 }, onError: (e) => errors.push(e) });
    cleanups.push(() => registration.close());
    await registration.ready();
    expect(registration.registered).toBe(true);
    const first = (await c.get(key).exec()).kvs[0]!;
    expect(JSON.parse(first.value.toString())).toEqual({ url: 'http://127.0.0.1:9100', zone: 'z1' });
    expect(first.lease).not.toBe('0');
    // Lose the lease: revoke it behind the registration's back. The key goes, and comes back under a new lease.
    await c.leaseClient.leaseRevoke({ ID: first.lease });
    expect(await c.get(key).string()).toBeNull();
    await until(async () => (await c.get(key).exec()).kvs[0]?.lease !== undefined, 'the key written again', 30_000);
    const again = (await c.get(key).exec()).kvs[0]!;
    expect(again.lease).not.toBe(first.lease);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(errors[0]).toBeInstanceOf(DiscoveryError);
    await registration.close();
    expect(registration.registered).toBe(false);
    expect(await c.get(key).string()).toBeNull();
  });

  it('validates the endpoint and the ttl, naming them', () => {
    expect(() => registerEtcd({ hosts: 'http://127.0.0.1:1', key: '/k', endpoint: 'ftp://x' })).toThrow('Invalid option endpoint.url: "ftp://x"');
    expect(() => registerEtcd({ hosts: 'http://127.0.0.1:1', key: '/k', endpoint: 'http://127.0.0.1:1', ttl: 0 })).toThrow('Invalid option ttl: 0');
  });
});

describe('etcdConfig (a mesh config source on an etcd key, against a real etcd)', () => {
  it('applies the key, follows writes with the mod revision as version, and keeps the config on a bad write', async () => {
    const server = await etcd();
    const c = client(server.url);
    const key = `${nextPrefix()}mesh.json`;
    const config = (routes: string[]) => JSON.stringify({ services: { payments: { endpoints: ['http://127.0.0.1:1'], routes: routes.map((name) => ({ name })) } } });
    const { header } = await c.put(key).value(config(['a'])).exec();
    const mesh = createMesh({ source: etcdConfig({ client: c, key }), tracing: false });
    cleanups.push(() => mesh.close());
    const events: (ConfigEvent & { error?: unknown })[] = [];
    mesh.on('config-applied', (e) => events.push(e));
    mesh.on('config-rejected', (e) => events.push(e));
    await mesh.ready();
    expect(mesh.config()?.version).toBe(`etcd:${header.revision}`);
    await c.put(key).value(config(['a', 'b']));
    await until(() => mesh.stats().services.payments?.routes.length === 2, 'the second config');
    await c.put(key).value('{ broken');
    await until(() => events.some((e) => e.error !== undefined), 'the rejection');
    expect(mesh.stats().services.payments?.routes).toEqual(['a', 'b']);
    await c.delete().key(key);
    await until(() => events.filter((e) => e.error !== undefined).length === 2, 'the deletion reported');
    expect(mesh.stats().services.payments?.routes).toEqual(['a', 'b']);
  });
});

describe('a mesh on etcd while 500 calls/s run (real etcd, real HTTP servers on 127.0.0.1)', () => {
  it('registration scale-out and scale-in, then etcd killed by PID for 10 s and restarted: no call fails', async () => {
    const server = await startEtcd();
    cleanups.push(() => server.close());
    const fleet = await startLoopbackFleet(3);
    cleanups.push(() => fleet.stop());
    const prefix = nextPrefix();
    const register = (i: number) => {
      const r = registerEtcd({ hosts: server.url, key: `${prefix}${i}`, endpoint: fleet.urls[i]!, ttl: 30 });
      cleanups.push(() => r.close());
      return r;
    };
    const registrations = [register(0), register(1)];
    await Promise.all(registrations.map((r) => r.ready()));
    const discovery = etcdDiscovery({ hosts: server.url, prefix, timeoutMs: 2_000, backoff: { initialMs: 100, maxMs: 1_000 } });
    const mesh = createMesh({ discovery: { payments: discovery }, config: { services: { payments: {} } }, tracing: false });
    cleanups.push(() => mesh.close());
    const events: string[] = [];
    mesh.on('discovery-error', () => events.push('error'));
    mesh.on('discovery-recovered', () => events.push('recovered'));
    await discovery.ready();
    const load = steadyLoad(() => mesh.client('payments').request({ path: '/' }).then((r) => r.body.dump()));
    try {
      const requests = async (i: number): Promise<number> => (await fleet.stats(i)).requests;
      await until(async () => (await requests(0)) > 50 && (await requests(1)) > 50, 'traffic on the first two');
      expect(await requests(2)).toBe(0);
      const third = register(2);
      await third.ready();
      await until(async () => (await requests(2)) > 50, 'traffic on the newcomer');
      await registrations[0]!.close();
      await until(() => discovery.current().length === 2, 'the scale-in');
      await new Promise((r) => setTimeout(r, 500));
      const drained = await requests(0);
      await new Promise((r) => setTimeout(r, 1_000));
      expect(await requests(0)).toBe(drained);
      // etcd killed (SIGKILL, by PID) for 10 s: calls go on over the last good set.
      const before = load.sent;
      await server.stop(true);
      await new Promise((r) => setTimeout(r, 10_000));
      expect(discovery.status().state).toBe('stale');
      expect(discovery.current()).toHaveLength(2);
      expect(load.sent - before).toBeGreaterThan(1_000);
      await server.start();
      await until(() => discovery.status().state === 'fresh', 'recovery after the restart');
      expect(urls(discovery.current())).toEqual([fleet.urls[1]!, fleet.urls[2]!].sort());
      expect(third.registered).toBe(true);
    } finally {
      await load.stop();
    }
    expect(load.failures.slice(0, 3)).toEqual([]);
    expect(events[0]).toBe('error');
    expect(events.at(-1)).toBe('recovered');
  }, 120_000);
});
