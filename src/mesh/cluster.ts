import type { Tracer } from '@opentelemetry/api';
import type { PathRedactor } from '../telemetry/redact-url.js';
import { BalanceLayer } from '../balance/balance-layer.js';
import type { Balancer } from '../balance/balancer.js';
import { BreakerLayer } from '../breaker/breaker-layer.js';
import { isServerError } from '../breaker/breaker-options.js';
import type { Handler } from '../core/call.js';
import type { Clock } from '../core/clock.js';
import type { EventBus } from '../core/events.js';
import type { Rng } from '../core/rng.js';
import { DEFAULTS } from '../defaults.js';
import { staticDiscovery, type StaticDiscovery } from '../discovery/static.js';
import type { Discovery } from '../discovery/discovery.js';
import type { EndpointState } from '../fleet/endpoint-state.js';
import { HEALTHY } from '../fleet/endpoint-table.js';
import { Fleet } from '../fleet/fleet.js';
import type { Membership } from '../fleet/membership.js';
import { SubsetView } from '../fleet/subset-view.js';
import { httpAttemptObserver, type HttpClientInstruments } from '../metrics/http-client-metrics.js';
import { Transport } from '../transport/transport.js';
import type { Fingerprints } from './fingerprint.js';
import { AttemptSeam } from './attempt-seam.js';
import { clusterHandler } from './pipeline.js';
import type { ServiceSettings, SubsetSettings } from './service-options.js';

/** What a cluster needs from its mesh. */
export interface ClusterDeps {
  readonly clock: Clock;
  readonly rng: Rng;
  readonly events: EventBus;
  /** The tracer for attempt spans, when tracing is on. */
  readonly tracer: Tracer | undefined;
  /** Redacts sensitive query values from the `url.full` of attempt spans. */
  readonly redactPath: PathRedactor;
  /** The HTTP client instruments, when metrics are recorded: an observer of the seam records each attempt. */
  readonly httpMetrics: HttpClientInstruments | undefined;
  readonly fingerprints: Fingerprints;
}

/** Something a cluster shares among generations, released when the last one lets go. */
interface SharedEntry {
  readonly value: unknown;
  refs: number;
  readonly close: (() => void) | undefined;
}

/** A subset view with its ejection cap. */
interface CappedView {
  readonly view: SubsetView;
  readonly maxEjectionPercent: number;
}

/**
 * The per-endpoint machinery of one service, shared by every route and client that calls it (as
 * an Envoy cluster or a Finagle client stack behind a name): the fleet (membership and the state
 * of each endpoint), its discovery subscription, the breakers, the transport's connection pools,
 * subset views over the fleet and a balance layer per (subset, balancer) that routes use, and the
 * route-level state routes share (retry budgets, token buckets, bulkheads), keyed by settings.
 *
 * Generations of the mesh config hold references to the clusters they use; a cluster that the
 * new generation configures the same way ({@link Cluster.keyOf}) is kept, with all its state,
 * and closes when the last generation that holds it is done.
 */
export class Cluster {
  readonly service: string;
  /** What this cluster is configured as: a new generation keeps the cluster when its key is the same. */
  readonly key: string;
  readonly fleet: Fleet;
  readonly #deps: ClusterDeps;
  readonly #settings: ServiceSettings;
  readonly #breaker: BreakerLayer | undefined;
  /** Where every attempt of the cluster starts and ends. */
  readonly seam: AttemptSeam;
  readonly #transport: Transport;
  readonly #discovery: Discovery;
  /** The cluster's own provider for a static endpoint list, updated in place by later generations. */
  readonly #static: StaticDiscovery | undefined;
  readonly #stopDiscovery: () => void;
  readonly #shared = new Map<string, SharedEntry>();
  readonly #cappedViews = new Set<CappedView>();
  #refs = 0;
  #closed: Promise<void> | undefined;
  /** When discovery last delivered a good snapshot (or the cluster was made). */
  #lastSnapshotAt: number;
  /** Whether discovery's latest report was an error (so the fleet holds its last good set). */
  #discoveryFailing = false;

  /** The key of the cluster that `settings` configure. */
  static keyOf(settings: ServiceSettings, fingerprints: Fingerprints): string {
    const source = settings.source.kind === 'static' ? 'static' : settings.source.discovery;
    return fingerprints.of({ service: settings.service, source, breaker: settings.breaker, transport: settings.transport });
  }

  constructor(settings: ServiceSettings, deps: ClusterDeps) {
    const { service } = settings;
    const { clock, rng, events } = deps;
    this.service = service;
    this.key = Cluster.keyOf(settings, deps.fingerprints);
    this.#settings = settings;
    this.#deps = deps;
    this.fleet = new Fleet({ service, clock, events, ewmaTauMs: DEFAULTS.ewmaTauMs });
    this.#breaker = settings.breaker
      ? new BreakerLayer(settings.breaker, { service, clock, rng, events, fleet: this.fleet, mayEject: (endpoint) => this.#subsetsMayEject(endpoint) })
      : undefined;
    this.seam = new AttemptSeam({ fleet: this.fleet, clock, breaker: this.#breaker, isFailureStatus: settings.breaker ? settings.breaker.isFailureStatus : isServerError });
    if (deps.httpMetrics) this.seam.observe(httpAttemptObserver(deps.httpMetrics, service));
    this.#transport = new Transport({ ...settings.transport, service, clock, fleet: this.fleet, attemptTimeout: settings.timeout.attempt });
    if (settings.source.kind === 'static') {
      this.#static = staticDiscovery(settings.source.endpoints, `services.${service}.endpoints`);
      this.#discovery = this.#static;
    } else {
      this.#discovery = settings.source.discovery;
    }
    this.#lastSnapshotAt = clock.now();
    this.#stopDiscovery = this.#discovery.subscribe({
      update: (endpoints) => {
        this.#lastSnapshotAt = clock.now();
        this.#discoveryFailing = false;
        this.fleet.update(endpoints);
      },
      error: (error) => {
        this.#discoveryFailing = true;
        events.emit('discovery-error', { service, time: clock.now(), error });
      },
      recovered: (staleForMs) => events.emit('discovery-recovered', { service, time: clock.now(), staleForMs }),
    });
  }

  /** Whether the cluster is still open (not closed by its last lease). */
  get open(): boolean {
    return this.#closed === undefined;
  }

  /** The cluster's endpoint provider. */
  get discovery(): Discovery {
    return this.#discovery;
  }

  /**
   * How long (ms) the endpoint set has been stale: since the last good snapshot, while
   * discovery's latest report is an error; 0 while discovery is fine.
   */
  discoveryStaleMs(): number {
    return this.#discoveryFailing ? this.#deps.clock.now() - this.#lastSnapshotAt : 0;
  }

  /** Takes a later generation's settings of the same key: a new static endpoint list is applied in place. */
  reconfigure(settings: ServiceSettings): void {
    if (this.#static && settings.source.kind === 'static') this.#static.set(settings.source.endpoints);
  }

  /**
   * Starts a generation's use of the cluster: the lease holds the cluster and everything taken
   * through it until {@link ClusterLease.release}.
   */
  lease(): ClusterLease {
    this.#refs++;
    return new ClusterLease(this);
  }

  /**
   * The attempt handler of the endpoints in `subset` (all of them when `undefined`), picked with
   * `balancer`: balance, breaker, attempt span and transport. Shared: every route that asks for
   * the same subset and balancer gets the same one, so they share its picker and cursors.
   * Returns the key to release it by.
   */
  target(subset: SubsetSettings | undefined, balancer: Balancer): { key: string; handler: Handler } {
    const { fingerprints } = this.#deps;
    const key = `target:${fingerprints.of(subset?.tags ?? null)}:${fingerprints.of(balancer)}`;
    const handler = this.acquire(key, () => {
      const view = subset ? this.#view(subset) : undefined;
      const { clock, rng, tracer, redactPath } = this.#deps;
      const balance = new BalanceLayer({ service: this.service, members: view?.value ?? this.fleet, balancer, clock, rng, panic: this.#breaker?.panicPick });
      const value = clusterHandler({ balance, seam: this.seam, tracer, redactPath, transport: this.#transport });
      return {
        value,
        close: () => {
          balance.close();
          if (view) this.releaseShared(view.key);
        },
      };
    });
    return { key, handler };
  }

  /**
   * A value shared among the generations that use this cluster, made by `create` on first use
   * and closed when every user has released it ({@link Cluster.releaseShared}).
   */
  acquire<T>(key: string, create: () => { value: T; close?: () => void }): T {
    let entry = this.#shared.get(key);
    if (!entry) {
      const made = create();
      entry = { value: made.value, refs: 0, close: made.close };
      this.#shared.set(key, entry);
    }
    entry.refs++;
    return entry.value as T;
  }

  /** Lets go of a value taken with {@link Cluster.acquire}. */
  releaseShared(key: string): void {
    const entry = this.#shared.get(key);
    if (!entry || --entry.refs > 0) return;
    this.#shared.delete(key);
    entry.close?.();
  }

  /** A lease is done with the cluster; the last one closes it. */
  release(): Promise<void> | undefined {
    if (--this.#refs > 0) return undefined;
    return this.close();
  }

  /** Stops discovery, closes the pools (in-flight requests finish first), the breakers and timers. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopDiscovery();
      for (const entry of this.#shared.values()) entry.close?.();
      this.#shared.clear();
      await (this.#static?.close() ?? Promise.resolve());
      await this.#transport.close();
      this.fleet.close();
      this.#breaker?.close();
    })();
    return this.#closed;
  }

  /** The subset view of `subset`'s tags, shared like a target; its ejection cap joins the breaker's rules. */
  #view(subset: SubsetSettings): { key: string; value: Membership } {
    const key = `view:${this.#deps.fingerprints.of(subset.tags)}`;
    const breakerCap = this.#settings.breaker ? this.#settings.breaker.maxEjectionPercent : 100;
    const value = this.acquire(key, () => {
      const capped: CappedView = { view: new SubsetView(this.fleet, subset.tags), maxEjectionPercent: subset.maxEjectionPercent ?? breakerCap };
      this.#cappedViews.add(capped);
      return {
        value: capped.view,
        close: () => {
          this.#cappedViews.delete(capped);
          capped.view.close();
        },
      };
    });
    return { key, value };
  }

  /** The subsets' ejection caps: `endpoint` may be ejected only if no subset it is in would pass its cap. */
  #subsetsMayEject(endpoint: EndpointState): boolean {
    for (const { view, maxEjectionPercent } of this.#cappedViews) {
      if (view.get(endpoint.id) !== endpoint) continue;
      const { members, rows, table } = view.snapshot;
      let ejected = 0;
      for (let i = 0; i < members.length; i++) if (table.health[rows[i]!] !== HEALTHY) ejected++;
      const cap = maxEjectionPercent === 0 ? 0 : Math.max(1, Math.floor((maxEjectionPercent * members.length) / 100));
      if (ejected >= cap) return false;
    }
    return true;
  }
}

/**
 * One generation's hold on a cluster: what it took (targets, shared route state) is released
 * together with the cluster when the generation is done.
 */
export class ClusterLease {
  readonly cluster: Cluster;
  readonly #keys: string[] = [];
  #released = false;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
  }

  /** {@link Cluster.target}, held by this lease. */
  target(subset: SubsetSettings | undefined, balancer: Balancer): Handler {
    const { key, handler } = this.cluster.target(subset, balancer);
    this.#keys.push(key);
    return handler;
  }

  /** {@link Cluster.acquire}, held by this lease. */
  shared<T>(key: string, create: () => { value: T; close?: () => void }): T {
    const value = this.cluster.acquire(key, create);
    this.#keys.push(key);
    return value;
  }

  /** Releases everything taken, then the cluster (which closes if no other lease holds it). */
  release(): Promise<void> | undefined {
    if (this.#released) return undefined;
    this.#released = true;
    for (const key of this.#keys) this.cluster.releaseShared(key);
    return this.cluster.release();
  }
}
