import { DiscoveryV1Api, KubeConfig, ListWatch, Watch, type V1EndpointSlice } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startKubernetesStandIn, type KubernetesStandIn } from './kubernetes-api.js';

// What @kubernetes/client-node (2.x) sees of the stand-in. These pin the part of the API server's
// behaviour the provider relies on, and the informer's own: it re-lists after 410 Gone, but after
// any other error it calls its error handlers and stops, which is why the provider restarts it.

const PATH = '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices';
const SELECTOR = 'kubernetes.io/service-name=web';

function kubeConfig(api: KubernetesStandIn, token = api.token): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'stand-in', server: api.server, skipTLSVerify: true }],
    users: [{ name: 'tester', token }],
    contexts: [{ name: 'stand-in', cluster: 'stand-in', user: 'tester' }],
    currentContext: 'stand-in',
  });
  return kc;
}

const slice = (name: string, ...addresses: string[]) => ({
  name,
  service: 'web',
  endpoints: addresses.map((a) => ({ addresses: [a], conditions: { ready: true, serving: true, terminating: false } })),
  ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
});

describe('contract test: @kubernetes/client-node against a Kubernetes API stand-in', () => {
  let k8sApi: KubernetesStandIn;
  let informer: ListWatch<V1EndpointSlice> | undefined;

  beforeEach(async () => {
    k8sApi = await startKubernetesStandIn();
    k8sApi.apply(slice('web-abc', '10.0.0.1', '10.0.0.2'));
    k8sApi.apply({ ...slice('db-xyz', '10.0.1.1'), service: 'db' });
  });
  afterEach(async () => {
    await informer?.stop();
    informer = undefined;
    await k8sApi.close();
  });

  const makeInformer = (kc: KubeConfig): ListWatch<V1EndpointSlice> => {
    const api = kc.makeApiClient(DiscoveryV1Api);
    informer = new ListWatch<V1EndpointSlice>(PATH, new Watch(kc), () => api.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: SELECTOR }), false, SELECTOR);
    return informer;
  };

  it('lists the slices of one service with the collection resourceVersion and the bearer token', async () => {
    const api = kubeConfig(k8sApi).makeApiClient(DiscoveryV1Api);
    const list = await api.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: SELECTOR });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['web-abc']);
    expect(list.items[0]!.endpoints!.map((e) => e.addresses[0])).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(list.items[0]!.ports?.[0]).toMatchObject({ name: 'http', port: 8080 });
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(k8sApi.requests.at(-1)!.headers.authorization).toBe(`Bearer ${k8sApi.token}`);
  });

  it('rejects a request without the right token with 401', async () => {
    const api = kubeConfig(k8sApi, 'wrong').makeApiClient(DiscoveryV1Api);
    await expect(api.listNamespacedEndpointSlice({ namespace: 'default' })).rejects.toMatchObject({ code: 401 });
  });

  it('a watch from a resourceVersion streams the events after it', async () => {
    const api = kubeConfig(k8sApi).makeApiClient(DiscoveryV1Api);
    const list = await api.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: SELECTOR });
    const events: string[] = [];
    const done = new Promise<unknown>((resolve) => {
      void new Watch(kubeConfig(k8sApi)).watch(PATH, { resourceVersion: list.metadata!.resourceVersion, labelSelector: SELECTOR }, (type, obj: V1EndpointSlice) => events.push(`${type} ${obj.metadata?.name} ${obj.endpoints?.length}`), resolve);
    });
    await expect.poll(() => k8sApi.watching).toBe(1);
    k8sApi.apply(slice('web-abc', '10.0.0.1'));
    k8sApi.apply(slice('web-def', '10.0.0.3'));
    k8sApi.remove('web-def');
    k8sApi.apply({ ...slice('db-xyz', '10.0.1.2'), service: 'db' });
    await expect.poll(() => events).toEqual(['MODIFIED web-abc 1', 'ADDED web-def 1', 'DELETED web-def 1']);
    k8sApi.closeWatches();
    expect(await done).toBeNull();
  });

  it('the informer lists, then follows the watch, and re-lists after 410 Gone (as a status or as an ERROR event)', async () => {
    const inf = makeInformer(kubeConfig(k8sApi));
    const names = (): string[] => inf.list('default').map((s) => `${s.metadata?.name}:${s.endpoints?.length}`).sort();
    await inf.start();
    expect(names()).toEqual(['web-abc:2']);
    k8sApi.apply(slice('web-def', '10.0.0.3'));
    await expect.poll(names).toEqual(['web-abc:2', 'web-def:1']);

    for (const expiredAs of ['event', 'status'] as const) {
      k8sApi.expiredAs = expiredAs;
      const lists = k8sApi.requests.filter((r) => r.query.watch === undefined).length;
      // The informer's watch drops; meanwhile the slices change and the history is compacted away.
      k8sApi.closeWatches();
      k8sApi.apply(slice('web-ghi', '10.0.0.4'));
      k8sApi.remove('web-def');
      k8sApi.compact();
      await expect.poll(() => k8sApi.requests.filter((r) => r.query.watch === undefined).length, { timeout: 10_000 }).toBe(lists + 1);
      await expect.poll(names).toEqual(['web-abc:2', 'web-ghi:1']);
      // The informer waits its reconnect delay (1 s, doubling) before it watches again.
      k8sApi.remove('web-ghi');
      await expect.poll(names, { timeout: 10_000 }).toEqual(['web-abc:2']);
    }
  });

  it('after any other error the informer reports it and stops: it does not restart by itself', async () => {
    const inf = makeInformer(kubeConfig(k8sApi));
    const errors: unknown[] = [];
    inf.on('error', (e) => errors.push(e));
    await inf.start();
    k8sApi.failNext('watch', 500);
    k8sApi.closeWatches();
    await expect.poll(() => errors.length, { timeout: 10_000 }).toBe(1);
    expect(errors[0]).toMatchObject({ statusCode: 500 });
    const seen = k8sApi.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(k8sApi.requests.length).toBe(seen);
    expect(k8sApi.watching).toBe(0);
  });
});
