import type { Clock } from '../core/clock.js';
import { ConfigError, DiscoveryError } from '../core/errors.js';
import { readOptions, stringOption } from '../core/options.js';
import type { Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { createDiscovery, type DiscoveryBaseOptions, type DiscoverySession, type ManagedDiscovery } from '../discovery/managed-discovery.js';
import { sliceEndpoints, type EndpointSliceObject, type SliceRules } from './slice-endpoints.js';

/**
 * A `KubeConfig` from `@kubernetes/client-node` (2.x). Typed by the one method switchyard checks,
 * so that the package's types stay out of switchyard's own.
 */
export interface KubeConfigLike {
  makeApiClient(apiClass: never): unknown;
}

/** Options of {@link kubernetesDiscovery}. */
export interface KubernetesDiscoveryOptions {
  /** The Kubernetes Service whose EndpointSlices to follow (label `kubernetes.io/service-name`). */
  service: string;
  /** Its namespace (default: the kubeconfig context's namespace, else `default`). */
  namespace?: string;
  /** The port: its name in the slices (`http`), or a number; default: the slices' only port. */
  port?: string | number;
  /** URL scheme of the endpoints (default `http`). */
  scheme?: 'http' | 'https';
  /** Only slices of this address type; default: every type (a dual-stack Service then lists each pod twice). */
  addressType?: 'IPv4' | 'IPv6' | 'FQDN';
  /** The cluster to talk to (default: `loadFromDefault()`, the in-cluster service account or `~/.kube/config`). */
  kubeConfig?: KubeConfigLike;
  /** Time (ms) allowed for one list of the slices (default 5 000). */
  listTimeoutMs?: number;
  /** Backoff between failed sessions (see `createDiscovery`). */
  backoff?: DiscoveryBaseOptions['backoff'];
  /** Clock for backoff, list deadlines and the informer's reconnect delays (default: the system clock). */
  clock?: Clock;
  /** Random source of the backoff jitter (default: `Math.random`). */
  rng?: Rng;
}

type K8s = typeof import('@kubernetes/client-node');
type KubeConfig = import('@kubernetes/client-node').KubeConfig;
type WatchLike = ConstructorParameters<K8s['ListWatch']>[1];

/**
 * Follows a Kubernetes Service through its `discovery.k8s.io/v1` EndpointSlices with the
 * informer of `@kubernetes/client-node` (list, then watch from the list's resourceVersion).
 * Ready endpoints get traffic; when none is ready, serving-but-terminating ones do; ports are
 * picked by name; the endpoint's zone follows the slices' topology hints (see the README).
 *
 * The informer re-lists by itself only after 410 Gone; after any other error (the API server
 * down, a 500, a list that timed out) it stops. This provider then keeps the last good set,
 * reports a `discovery-error`, and starts a new informer (a fresh list and watch) after the
 * discovery base's jittered backoff. `@kubernetes/client-node` is ESM-only; it is imported on
 * first use, which works from CommonJS too.
 *
 * @example
 * import { kubernetesDiscovery } from 'switchyard/kubernetes';
 * const client = createClient({ service: 'payments', discovery: kubernetesDiscovery({ service: 'payments', port: 'http' }) });
 */
export function kubernetesDiscovery(options: KubernetesDiscoveryOptions): ManagedDiscovery {
  const o = readOptions(options, '', ['service', 'namespace', 'port', 'scheme', 'addressType', 'kubeConfig', 'listTimeoutMs', 'backoff', 'clock', 'rng'] as const);
  const service = stringOption(o.service, 'service');
  const namespace = o.namespace === undefined ? undefined : stringOption(o.namespace, 'namespace');
  const port = o.port;
  if (port !== undefined && !(typeof port === 'string' && port !== '') && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65_535)) {
    throw new ConfigError('port', port, 'a port name or a number between 1 and 65535');
  }
  const scheme = o.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') throw new ConfigError('scheme', scheme, '"http" or "https"');
  const addressType = o.addressType;
  if (addressType !== undefined && addressType !== 'IPv4' && addressType !== 'IPv6' && addressType !== 'FQDN') throw new ConfigError('addressType', addressType, '"IPv4", "IPv6" or "FQDN"');
  const given = o.kubeConfig as KubeConfig | undefined;
  if (given !== undefined && typeof (given as Partial<KubeConfigLike> | null)?.makeApiClient !== 'function') {
    throw new ConfigError('kubeConfig', given, 'a KubeConfig from @kubernetes/client-node');
  }
  const listTimeoutMs = o.listTimeoutMs === undefined ? DEFAULTS.discovery.pollTimeoutMs : (o.listTimeoutMs as number);
  if (!Number.isFinite(listTimeoutMs) || listTimeoutMs < 1) throw new ConfigError('listTimeoutMs', o.listTimeoutMs, 'a number of ms >= 1');
  const rules: SliceRules = { port: port as string | number | undefined, scheme, addressType: addressType as string | undefined };
  const name = `kubernetes ${namespace === undefined ? '' : `${namespace}/`}${service}`;

  return createDiscovery({
    name,
    backoff: o.backoff as DiscoveryBaseOptions['backoff'],
    clock: o.clock as Clock | undefined,
    rng: o.rng as Rng | undefined,
    async run(session) {
      let k8s: K8s;
      try {
        k8s = await import('@kubernetes/client-node');
      } catch {
        throw new ConfigError('switchyard/kubernetes', '@kubernetes/client-node', 'the optional peer dependency "@kubernetes/client-node" installed (npm install @kubernetes/client-node)');
      }
      const kc = given ?? defaultKubeConfig(k8s);
      const ns = namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
      await follow(session, k8s, kc, { name, ns, selector: `kubernetes.io/service-name=${service}`, rules, listTimeoutMs });
    },
  });
}

function defaultKubeConfig(k8s: K8s): KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault();
  return kc;
}

interface Target {
  readonly name: string;
  readonly ns: string;
  readonly selector: string;
  readonly rules: SliceRules;
  readonly listTimeoutMs: number;
}

/** One informer, from its first list until it fails (rejects) or the provider closes (resolves). */
async function follow(session: DiscoverySession, k8s: K8s, kc: KubeConfig, target: Target): Promise<void> {
  const { ns, selector } = target;
  const stop = new AbortController();
  const onClose = (): void => stop.abort(session.signal.reason);
  session.signal.addEventListener('abort', onClose, { once: true });

  const publish = (slices: readonly EndpointSliceObject[]): void => {
    const { entries, problems } = sliceEndpoints(slices, target.rules);
    session.replace(entries);
    if (problems.length > 0) session.error(new DiscoveryError(target.name, `endpoints left out: ${problems.join('; ')}`));
  };
  const api = kc.makeApiClient(k8s.DiscoveryV1Api);
  const list = async (): Promise<import('@kubernetes/client-node').V1EndpointSliceList> => {
    const result = await session.within('EndpointSlice list', target.listTimeoutMs, (signal) =>
      api.listNamespacedEndpointSlice({ namespace: ns, labelSelector: selector }, { middleware: [abortWith(k8s, signal)], middlewareMergeStrategy: 'append' }),
    );
    // The informer goes on to watch after its list without looking whether it was stopped meanwhile.
    if (stop.signal.aborted) throw stop.signal.reason;
    publish(result.items);
    return result;
  };
  // Reconnect delays on the provider's clock; after close the delay never ends, so no watch starts.
  const delayFn = (ms: number): Promise<void> => new Promise((resolve) => void session.sleep(ms).then(resolve, () => {}));
  const path = `/apis/discovery.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/endpointslices`;
  const informer = new k8s.ListWatch(path, stoppableWatch(new k8s.Watch(kc), stop.signal), list, false, selector, undefined, { delayFn });

  let scheduled = false;
  const changed = (): void => {
    if (scheduled) return;
    scheduled = true;
    // One snapshot per burst: a re-list reports every slice in one synchronous pass.
    queueMicrotask(() => {
      scheduled = false;
      if (!stop.signal.aborted) publish(informer.list(ns));
    });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      stop.signal.addEventListener('abort', () => resolve(), { once: true });
      informer.on(k8s.ERROR, (error: unknown) => reject(error));
      informer.on(k8s.ADD, changed);
      informer.on(k8s.UPDATE, changed);
      informer.on(k8s.DELETE, changed);
      informer.start().catch(reject);
    });
  } finally {
    session.signal.removeEventListener('abort', onClose);
    stop.abort(new DiscoveryError(target.name, 'informer stopped'));
    await informer.stop();
  }
}

/** A request middleware (the client's observable kind) that makes `signal` abort the request. */
function abortWith(k8s: K8s, signal: AbortSignal) {
  return {
    pre: (context: import('@kubernetes/client-node').RequestContext) => {
      context.setSignal(signal);
      return new k8s.Observable(Promise.resolve(context));
    },
    post: (context: import('@kubernetes/client-node').ResponseContext) => new k8s.Observable(Promise.resolve(context)),
  };
}

/**
 * The client's watch, closed when `signal` aborts. The informer's own `stop()` cannot close a
 * watch whose response has not arrived yet (it only knows the watch once `watch()` resolves).
 */
function stoppableWatch(watch: InstanceType<K8s['Watch']>, signal: AbortSignal): WatchLike {
  return {
    async watch(path, query, callback, done) {
      let controller: AbortController | undefined;
      const onAbort = (): void => controller?.abort();
      signal.addEventListener('abort', onAbort, { once: true });
      const finished = (error: unknown): void => {
        signal.removeEventListener('abort', onAbort);
        done(error);
      };
      try {
        controller = await watch.watch(path, query, callback, finished);
      } catch (error) {
        // The informer awaits this only on its first watch; on a reconnect a rejection would go
        // unhandled, so a watch that cannot start (no cluster, failed auth) ends like a failed one.
        finished(error);
        return new AbortController();
      }
      if (signal.aborted) controller.abort();
      return controller;
    },
  } as WatchLike;
}
