import { KubeConfig } from '@kubernetes/client-node';
import Consul from 'consul';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consulDiscovery } from '../../src/consul.js';
import { createClient, seededRng, type Discovery } from '../../src/index.js';
import { kubernetesDiscovery } from '../../src/kubernetes.js';
import { startConsulStandIn } from '../support/consul-api.js';
import { startKubernetesStandIn } from '../support/kubernetes-api.js';
import { startLoopbackFleet, type LoopbackFleet } from '../support/loopback.js';

/** A registry stand-in with a provider following it; backends join and leave by index into the fleet. */
interface Registry {
  discovery: Discovery;
  add(i: number): void;
  remove(i: number): void;
  /** The registry goes down (connections dropped) and comes back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

let fleet: LoopbackFleet;
beforeAll(async () => {
  fleet = await startLoopbackFleet(3);
});
afterAll(() => fleet?.stop());

const portOf = (i: number): number => Number(new URL(fleet.urls[i]!).port);

const registries: { name: string; start(): Promise<Registry> }[] = [
  {
    name: 'consulDiscovery: contract test against a Consul HTTP API stand-in',
    async start() {
      const api = await startConsulStandIn();
      const client = new Consul({ host: api.host, port: api.port });
      return {
        discovery: consulDiscovery({ service: 'web', client }),
        add: (i) => api.putService({ id: `web-${i}`, name: 'web', address: '127.0.0.1', port: portOf(i) }),
        remove: (i) => api.removeService(`web-${i}`),
        stop: () => api.stop(),
        start: () => api.start(),
        async close() {
          (client as unknown as { destroy(): void }).destroy();
          await api.close();
        },
      };
    },
  },
  {
    name: 'kubernetesDiscovery: contract test against a Kubernetes API stand-in',
    async start() {
      const api = await startKubernetesStandIn();
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [{ name: 'stand-in', server: api.server, skipTLSVerify: true }],
        users: [{ name: 'tester', token: api.token }],
        contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'tester' }],
        currentContext: 'stand-in',
      });
      return {
        discovery: kubernetesDiscovery({ service: 'web', port: 'http', kubeConfig }),
        // One slice per backend, since each loopback backend listens on its own port.
        add: (i) => api.apply({ name: `web-${i}`, service: 'web', endpoints: [{ addresses: ['127.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: portOf(i) }] }),
        remove: (i) => api.remove(`web-${i}`),
        stop: () => api.stop(),
        start: () => api.start(),
        close: () => api.close(),
      };
    },
  },
];

describe.each(registries)('$name', ({ start }) => {
  it('scale-out and scale-in while calls run: the new backend gets traffic, the removed one drains, no call fails', { timeout: 60_000 }, async () => {
    await fleet.reset();
    const registry = await start();
    registry.add(0);
    registry.add(1);
    const client = createClient({ service: 'web', discovery: registry.discovery, rng: seededRng(11), tracing: false });
    const load = runLoad(client);
    const requestsOf = async (i: number): Promise<number> => (await fleet.stats(i)).requests;
    try {
      await expect.poll(() => requestsOf(1), { timeout: 10_000 }).toBeGreaterThan(20);
      expect(await requestsOf(2)).toBe(0);

      registry.add(2);
      await expect.poll(() => requestsOf(2), { timeout: 10_000 }).toBeGreaterThan(20);

      registry.remove(0);
      await expect.poll(() => client.stats().map((s) => s.url).sort(), { timeout: 10_000 }).toEqual([fleet.urls[1], fleet.urls[2]].sort());
      // Calls already sent to the removed backend finish; after that it gets nothing.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const drained = await requestsOf(0);
      const before = await requestsOf(1);
      await expect.poll(() => requestsOf(1), { timeout: 10_000 }).toBeGreaterThan(before + 20);
      expect(await requestsOf(0)).toBe(drained);
    } finally {
      await load.stop();
      await client.close();
      await registry.close();
    }
    expect(load.statuses.length).toBeGreaterThan(60);
    expect(load.statuses.filter((s) => s !== 200)).toEqual([]);
  });

  it('the registry down for 3 s while calls run: calls keep succeeding on the last good set, the provider recovers by itself, events say so', { timeout: 60_000 }, async () => {
    await fleet.reset();
    const registry = await start();
    registry.add(0);
    registry.add(1);
    const client = createClient({ service: 'web', discovery: registry.discovery, rng: seededRng(12), tracing: false });
    const events: string[] = [];
    client.on('discovery-error', () => void events.push('error'));
    client.on('discovery-recovered', () => void events.push('recovered'));
    const load = runLoad(client);
    try {
      await expect.poll(async () => (await fleet.stats(1)).requests, { timeout: 10_000 }).toBeGreaterThan(20);
      await registry.stop();
      await expect.poll(() => events, { timeout: 10_000 }).toContain('error');
      const during = load.statuses.length;
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(load.statuses.length).toBeGreaterThan(during + 100);
      expect(client.stats()).toHaveLength(2);
      registry.add(2);
      await registry.start();
      await expect.poll(() => events, { timeout: 30_000 }).toContain('recovered');
      await expect.poll(() => client.stats().length, { timeout: 10_000 }).toBe(3);
    } finally {
      await load.stop();
      await client.close();
      await registry.close();
    }
    expect(load.statuses.filter((s) => s !== 200)).toEqual([]);
  });
});

/** About 200 calls/s from one loop (each call starts 5 ms after the previous one started) until `stop()`. */
function runLoad(client: ReturnType<typeof createClient>): { statuses: (number | string)[]; stop(): Promise<void> } {
  const statuses: (number | string)[] = [];
  let running = true;
  const done = (async () => {
    const inFlight = new Set<Promise<void>>();
    while (running) {
      const call: Promise<void> = client
        .fetch('/')
        .then(async (res) => {
          statuses.push(res.status);
          await res.arrayBuffer();
        })
        .catch((error: unknown) => void statuses.push(String(error)))
        .finally(() => inFlight.delete(call));
      inFlight.add(call);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
  })();
  return {
    statuses,
    stop() {
      running = false;
      return done;
    },
  };
}
