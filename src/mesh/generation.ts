import type { Tracer } from '@opentelemetry/api';
import { compose, type CallTimeout, type Handler, type Middleware } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Rng } from '../core/rng.js';
import type { HttpClientInstruments } from '../metrics/http-client-metrics.js';
import { Cluster, type ClusterLease } from './cluster.js';
import type { Fingerprints } from './fingerprint.js';
import type { MeshSettings } from './mesh-config.js';
import { callLayers, routeStack, type RoutePolicy } from './pipeline.js';
import { router, type CompiledRoute } from './router.js';
import type { ServiceSettings } from './service-options.js';
import type { PathRedactor } from '../telemetry/redact-url.js';

/** One service of a generation: where its calls go and the limits they start with. */
export interface CompiledService {
  readonly settings: ServiceSettings;
  readonly cluster: Cluster;
  /** The service's time limits, which calls start with (a route may re-time them). */
  readonly timeout: CallTimeout;
  /** The whole pipeline of a logical call: call layers, router, route stacks, cluster. */
  readonly handle: Handler;
}

/** What compiling a generation needs from the mesh. */
export interface GenerationDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
  readonly tracer: Tracer | undefined;
  readonly redactPath: PathRedactor;
  readonly httpMetrics: HttpClientInstruments | undefined;
  readonly middleware: readonly Middleware[];
  /** The layer that feeds a service's alert windows, when the settings' rules need one. */
  readonly alertLayer: (service: string, settings: MeshSettings) => Middleware | undefined;
  readonly fingerprints: Fingerprints;
  /** The live clusters by service: a generation reuses one whose key is unchanged, and records the ones it makes. */
  readonly clusters: Map<string, Cluster>;
}

/**
 * An immutable, compiled mesh configuration: its routes and route stacks, over clusters it holds
 * leases on. The mesh swaps generations in one assignment; a call keeps the generation it started
 * on until it settles, so a generation that is replaced lets go of its clusters (which close if no
 * newer generation kept them) only once its last call has settled.
 */
export class Generation {
  /** Increases by one with every generation the mesh compiles. */
  readonly number: number;
  /** The config's version (the source's, or the config's `version`, else the generation number). */
  readonly version: string;
  /** The config as it was delivered. */
  readonly input: unknown;
  readonly settings: MeshSettings;
  /** The services by lower-cased name. */
  readonly services: ReadonlyMap<string, CompiledService>;
  readonly #leases: readonly ClusterLease[];
  #inFlight = 0;
  #retired = false;
  #released: Promise<void> | undefined;
  /** Resolves {@link Generation.retire}'s promise when a retired generation's last call settles. */
  #onReleased: (() => void) | undefined;

  constructor(number: number, version: string, input: unknown, settings: MeshSettings, services: ReadonlyMap<string, CompiledService>, leases: readonly ClusterLease[]) {
    this.number = number;
    this.version = version;
    this.input = input;
    this.settings = settings;
    this.services = services;
    this.#leases = leases;
  }

  /** A call starts on this generation. */
  enter(): void {
    this.#inFlight++;
  }

  /** A call that started on this generation settled. */
  leave(): void {
    if (--this.#inFlight === 0 && this.#retired) this.#release();
  }

  /** The generation was replaced: it lets go of its clusters once its calls have settled. Resolves when it has. */
  retire(): Promise<void> {
    this.#retired = true;
    if (this.#inFlight === 0) this.#release();
    return this.#released ?? new Promise<void>((resolve) => (this.#onReleased = resolve));
  }

  #release(): void {
    if (this.#released) return;
    this.#released = Promise.all(this.#leases.map((lease) => lease.release())).then(() => undefined);
    const notify = this.#onReleased;
    if (notify) void this.#released.then(notify);
  }
}

/**
 * Compiles validated settings into a generation: for each service, the cluster (kept from the
 * live ones when its key is unchanged, else new), a route stack per share of every route, and
 * the router over them.
 * @throws whatever building a new cluster throws (a discovery provider's subscribe); every lease taken is released first
 */
export function compileGeneration(number: number, version: string, input: unknown, settings: MeshSettings, deps: GenerationDeps): Generation {
  const leases: ClusterLease[] = [];
  const services = new Map<string, CompiledService>();
  const calls = callLayers(deps.tracer, deps.middleware);
  try {
    for (const [name, service] of settings.services) {
      const lease = clusterFor(name, service, deps).lease();
      leases.push(lease);
      const router = compileRouter(service, lease, deps);
      // The alert window sees each logical call once, as its caller does: inside your middleware, before routing.
      const alert = deps.alertLayer(name, settings);
      const layers = alert ? [...calls, alert] : calls;
      services.set(name, {
        settings: service,
        cluster: lease.cluster,
        timeout: service.timeout,
        handle: layers.length === 0 ? router : compose(...layers)(router),
      });
    }
  } catch (error) {
    for (const lease of leases) void lease.release();
    throw error;
  }
  return new Generation(number, version, input, settings, services, leases);
}

function clusterFor(name: string, service: ServiceSettings, deps: GenerationDeps): Cluster {
  const existing = deps.clusters.get(name);
  if (existing && existing.key === Cluster.keyOf(service, deps.fingerprints) && existing.open) {
    existing.reconfigure(service);
    return existing;
  }
  const cluster = new Cluster(service, deps);
  deps.clusters.set(name, cluster);
  return cluster;
}

function compileRouter(service: ServiceSettings, lease: ClusterLease, deps: GenerationDeps): Handler {
  const stackDeps = { ...deps, service: service.service };
  const policyOf = (route?: { retry: RoutePolicy['retry'] | undefined; hedge: RoutePolicy['hedge'] | undefined }): RoutePolicy => ({
    retry: route?.retry ?? service.retry,
    hedge: route?.hedge ?? service.hedge,
    limiter: service.limiter,
    throttle: service.throttle,
    concurrencyLimit: service.concurrencyLimit,
    bulkhead: service.bulkhead,
    fallback: service.fallback,
  });
  const routes: CompiledRoute[] = service.routes.map((route) => {
    const policy = policyOf(route);
    const balancer = route.balancer ?? service.balancer;
    return {
      name: route.name,
      matches: route.matches,
      timeout: route.timeout ?? service.timeout,
      weights: route.split.map((share) => share.weight),
      handlers: route.split.map((share) => {
        const subset = share.subset === undefined ? undefined : service.subsets.get(share.subset);
        return routeStack(policy, lease, stackDeps, lease.target(subset, balancer));
      }),
    };
  });
  const fallback: CompiledRoute = {
    name: 'default',
    matches: () => true,
    timeout: service.timeout,
    weights: [1],
    handlers: [routeStack(policyOf(), lease, stackDeps, lease.target(undefined, service.balancer))],
  };
  return router(routes, fallback, deps.rng, deps.clock);
}
