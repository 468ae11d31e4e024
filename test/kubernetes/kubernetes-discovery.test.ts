import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscoveryError, ConfigError, ManualClock, seededRng, type Endpoint, type ManagedDiscovery } from '../../src/index.js';
import { kubernetesDiscovery } from '../../src/kubernetes.js';
import { startKubernetesStandIn, type KubernetesStandIn, type SliceEndpoint, type SliceInput } from '../support/kubernetes-api.js';
import { watchResources } from '../support/resource-watch.js';
import { watchUncaught } from '../support/uncaught.js';

function kubeConfig(api: KubernetesStandIn, namespace?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // The client refuses plain HTTP unless TLS checks are off; the stand-in speaks HTTP on loopback.
    clusters: [{ name: 'stand-in', server: api.server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: api.token }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'tester', ...(namespace ? { namespace } : {}) }],
    currentContext: 'stand-in',
  });
  return kc;
}

const ready = (address: string, more: Partial<SliceEndpoint> = {}): SliceEndpoint => ({ addresses: [address], conditions: { ready: true, serving: true, terminating: false }, ...more });
const slice = (name: string, endpoints: SliceEndpoint[], more: Partial<SliceInput> = {}): SliceInput => ({
  name,
  service: 'web',
  endpoints,
  ports: [
    { name: 'metrics', port: 9090 },
    { name: 'http', port: 8080 },
  ],
  ...more,
});

function recorder() {
  const errors: unknown[] = [];
  const recovered: number[] = [];
  return {
    errors,
    recovered,
    listener: { update: (_: readonly Endpoint[]) => {}, error: (e: unknown) => void errors.push(e), recovered: (ms: number) => void recovered.push(ms) },
  };
}

const urls = (d: ManagedDiscovery): string[] => d.current().map((e) => e.url).sort();
const lists = (api: KubernetesStandIn): number => api.requests.filter((r) => r.query.watch === undefined).length;

describe('kubernetesDiscovery: contract test against a Kubernetes API stand-in', () => {
  let clock: ManualClock;
  let k8sApi: KubernetesStandIn;
  let discovery: ManagedDiscovery | undefined;

  beforeEach(async () => {
    clock = new ManualClock();
    k8sApi = await startKubernetesStandIn();
    k8sApi.apply(slice('web-abc', [ready('10.0.0.1', { zone: 'a', nodeName: 'n1', targetRef: { kind: 'Pod', name: 'web-1' } }), ready('10.0.0.2', { zone: 'b', hints: { forZones: [{ name: 'c' }] } })]));
    k8sApi.apply(slice('db-xyz', [ready('10.0.9.1')], { service: 'db' }));
    k8sApi.apply(slice('web-other-ns', [ready('10.0.8.1')], { namespace: 'other' }));
  });
  afterEach(async () => {
    await discovery?.close();
    discovery = undefined;
    await k8sApi.close();
  });

  const start = (options: Partial<Parameters<typeof kubernetesDiscovery>[0]> = {}): ManagedDiscovery =>
    (discovery = kubernetesDiscovery({ service: 'web', port: 'http', kubeConfig: kubeConfig(k8sApi), clock, rng: seededRng(5), backoff: { initialMs: 100, maxMs: 1_000 }, ...options }));

  it("lists the service's ready endpoints at the named port, with zones from the hints and tags", async () => {
    const d = start();
    await d.ready();
    expect(d.current().map((e) => [e.url, e.zone, e.tags])).toEqual([
      ['http://10.0.0.1:8080', 'a', { node: 'n1', pod: 'web-1', 'topology.kubernetes.io/zone': 'a' }],
      ['http://10.0.0.2:8080', 'c', { 'topology.kubernetes.io/zone': 'b' }],
    ]);
    expect(k8sApi.requests[0]).toMatchObject({ path: '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', query: { labelSelector: 'kubernetes.io/service-name=web' } });
    expect(d.status()).toMatchObject({ state: 'fresh', endpoints: 2 });
  });

  it('follows the watch: scale-out, an endpoint that stops being ready, a slice deleted', async () => {
    const d = start();
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    k8sApi.apply(slice('web-def', [ready('10.0.0.3'), ready('10.0.0.4')]));
    await expect.poll(() => urls(d)).toEqual(['http://10.0.0.1:8080', 'http://10.0.0.2:8080', 'http://10.0.0.3:8080', 'http://10.0.0.4:8080']);
    k8sApi.apply(slice('web-def', [ready('10.0.0.3'), { addresses: ['10.0.0.4'], conditions: { ready: false, serving: false, terminating: true } }]));
    await expect.poll(() => urls(d)).toEqual(['http://10.0.0.1:8080', 'http://10.0.0.2:8080', 'http://10.0.0.3:8080']);
    k8sApi.remove('web-abc');
    await expect.poll(() => urls(d)).toEqual(['http://10.0.0.3:8080']);
    expect(lists(k8sApi)).toBe(1);
  });

  it('sends to serving, terminating endpoints while none is ready (a rollout in progress)', async () => {
    const d = start();
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    k8sApi.apply(slice('web-abc', [{ addresses: ['10.0.0.1'], conditions: { ready: false, serving: true, terminating: true } }, { addresses: ['10.0.0.2'], conditions: { ready: false, serving: false, terminating: false } }]));
    await expect.poll(() => urls(d)).toEqual(['http://10.0.0.1:8080']);
    expect(d.current()[0]!.tags.terminating).toBe('true');
  });

  it('re-lists after 410 Gone with no error reported', async () => {
    const d = start();
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    k8sApi.closeWatches();
    k8sApi.apply(slice('web-def', [ready('10.0.0.3')]));
    k8sApi.compact();
    // The informer waits its reconnect delay on the provider's clock, then finds its version gone.
    await clock.advanceAsync(1_000);
    await expect.poll(() => lists(k8sApi)).toBe(2);
    await expect.poll(() => urls(d)).toContain('http://10.0.0.3:8080');
    expect(r.errors).toEqual([]);
  });

  it('restarts the informer with backoff after an error the informer itself gives up on', async () => {
    const d = start();
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    k8sApi.failNext('watch', 500);
    k8sApi.closeWatches();
    await clock.advanceAsync(1_000);
    await expect.poll(() => r.errors.length).toBe(1);
    expect(r.errors[0]).toBeInstanceOf(DiscoveryError);
    expect((r.errors[0] as DiscoveryError).provider).toBe('kubernetes web');
    expect(d.status().state).toBe('stale');
    expect(urls(d)).toHaveLength(2);

    k8sApi.apply(slice('web-def', [ready('10.0.0.3')]));
    // Equal jitter: the first restart comes 50 to 100 ms later, with a fresh list.
    await clock.advanceAsync(100);
    await expect.poll(() => lists(k8sApi)).toBe(2);
    await expect.poll(() => urls(d)).toContain('http://10.0.0.3:8080');
    expect(d.status().state).toBe('fresh');
    expect(r.recovered).toHaveLength(1);
    await expect.poll(() => k8sApi.watching).toBe(1);
  });

  it('a watch that cannot even start on a reconnect (its auth fails) is a failure like any other, never an unhandled rejection', async () => {
    class FlakyAuth extends KubeConfig {
      failWatches = false;
      override async applySecurityAuthentication(context: Parameters<KubeConfig['applySecurityAuthentication']>[0]): Promise<void> {
        if (this.failWatches && context.getUrl().includes('watch=true')) throw new Error('exec auth plugin failed');
        return super.applySecurityAuthentication(context);
      }
    }
    const kc = new FlakyAuth();
    kc.loadFromOptions({ clusters: [{ name: 's', server: k8sApi.server, skipTLSVerify: true }], users: [{ name: 'u', token: k8sApi.token }], contexts: [{ name: 'c', cluster: 's', user: 'u' }], currentContext: 'c' });
    const uncaught = watchUncaught();
    try {
      const d = start({ kubeConfig: kc });
      const r = recorder();
      d.subscribe(r.listener);
      await d.ready();
      await expect.poll(() => k8sApi.watching).toBe(1);
      kc.failWatches = true;
      k8sApi.closeWatches();
      await clock.advanceAsync(1_000);
      await expect.poll(() => r.errors.length).toBe(1);
      expect((r.errors[0] as Error).message).toMatch(/exec auth plugin failed/);
      kc.failWatches = false;
      await clock.advanceAsync(100);
      await expect.poll(() => k8sApi.watching).toBe(1);
      expect(d.status().state).toBe('fresh');
      expect(uncaught.seen).toEqual([]);
    } finally {
      uncaught.stop();
    }
  });

  it('keeps the last good set while the API server is down, and recovers by itself', async () => {
    const d = start();
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    await k8sApi.stop();
    for (let i = 0; i < 5; i++) {
      await clock.advanceAsync(1_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect.poll(() => r.errors.length).toBeGreaterThanOrEqual(2);
    expect(urls(d)).toEqual(['http://10.0.0.1:8080', 'http://10.0.0.2:8080']);
    expect(d.status().state).toBe('stale');

    k8sApi.apply(slice('web-def', [ready('10.0.0.3')]));
    await k8sApi.start();
    for (let i = 0; i < 30 && !urls(d).includes('http://10.0.0.3:8080'); i++) {
      await clock.advanceAsync(1_000, 100);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(urls(d)).toContain('http://10.0.0.3:8080');
    expect(d.status()).toMatchObject({ state: 'fresh', failures: 0 });
    expect(r.recovered).toHaveLength(1);
  });

  it('a list that hangs past listTimeoutMs is abandoned, reported and retried', async () => {
    k8sApi.hangNext('list');
    const d = start({ listTimeoutMs: 2_000 });
    const r = recorder();
    d.subscribe(r.listener);
    await expect.poll(() => k8sApi.hanging).toBe(1);
    await clock.advanceAsync(1_999);
    expect(r.errors).toEqual([]);
    await clock.advanceAsync(1);
    await expect.poll(() => r.errors.length).toBe(1);
    expect((r.errors[0] as Error).message).toMatch(/EndpointSlice list did not finish within 2000 ms/);
    // The abandoned request is aborted, not left open.
    await expect.poll(() => k8sApi.hanging).toBe(0);
    await clock.advanceAsync(100);
    await expect.poll(() => urls(d)).toHaveLength(2);
  });

  it('uses the namespace of the kubeconfig context, and a port given by number', async () => {
    const d = start({ kubeConfig: kubeConfig(k8sApi, 'other'), port: 7000 });
    await d.ready();
    expect(urls(d)).toEqual(['http://10.0.8.1:7000']);
  });

  it('says which slices it left out when the port name is wrong', async () => {
    const d = start({ port: 'grpc' });
    const r = recorder();
    d.subscribe(r.listener);
    await d.ready();
    expect(r.errors.map((e) => (e as Error).message)).toContainEqual(expect.stringMatching(/slice web-abc: no port named "grpc" \(it has "metrics", "http"\)/));
    expect(d.current()).toEqual([]);
  });

  it('close() stops the watch and leaves no socket or timer behind', async () => {
    const resources = watchResources();
    const d = start();
    await d.ready();
    await expect.poll(() => k8sApi.watching).toBe(1);
    await d.close();
    discovery = undefined;
    await expect.poll(() => k8sApi.watching).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    // The client makes an undici Agent per request; its idle sockets close on undici's keep-alive timeout (4 s).
    expect(await resources.settled(15_000)).toEqual([]);
  });

  it.each([
    [{ service: '' }, 'service'],
    [{ service: 'web', port: 0 }, 'port'],
    [{ service: 'web', scheme: 'grpc' }, 'scheme'],
    [{ service: 'web', addressType: 'ipv4' }, 'addressType'],
    [{ service: 'web', kubeConfig: {} }, 'kubeConfig'],
    [{ service: 'web', listTimeoutMs: 0 }, 'listTimeoutMs'],
    [{ service: 'web', selector: 'x' }, 'selector'],
  ])('rejects bad options naming the option (%j)', (options, option) => {
    expect(() => kubernetesDiscovery(options as never)).toThrow(ConfigError);
    expect(() => kubernetesDiscovery(options as never)).toThrow(expect.objectContaining({ option }));
  });
});
