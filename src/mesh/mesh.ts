import type { Dispatcher } from 'undici';
import type { Client } from './client-api.js';
import { parseRuntimeOptions, RUNTIME_KEYS, type RuntimeOptions, type RuntimeSettings } from '../client-options.js';
import { ClientClosedError, ConfigError, InvalidRequestError, NoEndpointsError } from '../core/errors.js';
import { EventBus, type ClientEventListener, type ClientEventName } from '../core/events.js';
import { isPlainObject, readOptions } from '../core/options.js';
import type { Discovery } from '../discovery/discovery.js';
import type { FetchInit } from '../http/fetch-request.js';
import { MeshDispatcher, type MeshDispatcherOptions } from '../dispatcher/mesh-dispatcher.js';
import { Alerts } from '../health/alerts.js';
import { NO_CONFIG_HEALTH, serviceHealth, worse, type MeshHealth, type ServiceHealth } from '../health/health.js';
import { httpClientInstruments } from '../metrics/http-client-metrics.js';
import { meshMetrics } from '../metrics/mesh-metrics.js';
import { switchyardTracer } from '../telemetry/tracing.js';
import { queryRedactor } from '../telemetry/redact-url.js';
import { VERSION } from '../version.js';
import type { Cluster } from './cluster.js';
import type { ConfigSource } from './config-source.js';
import { Fingerprints } from './fingerprint.js';
import { compileGeneration, Generation, type GenerationDeps } from './generation.js';
import { parseMeshConfig, type MeshConfig, type MeshSettings } from './mesh-config.js';
import { discoveryOption } from './service-options.js';
import { createClientOf, type MeshRuntime } from './service-client.js';
import { serviceStats, type MeshStats } from './stats.js';

/** Options of {@link createMesh}. */
export interface MeshOptions extends RuntimeOptions {
  /** The configuration, given in code. Give this or `source`. Later ones come through `mesh.apply()`. */
  config?: MeshConfig;
  /** A live configuration source (a watched file, an etcd or Consul key). Give this or `config`. Closed with the mesh. */
  source?: ConfigSource;
  /** Discovery providers by service name, for services whose config lists no endpoints. Closed with the mesh. */
  discovery?: Record<string, Discovery>;
}

/** The active configuration of a mesh, as `mesh.config()` shows it. */
export interface ActiveConfig {
  /** Its version. */
  readonly version: string;
  /** Its generation number (increases with every config applied, rollbacks included). */
  readonly generation: number;
  /** The config as it was given or delivered. */
  readonly config: unknown;
}

/**
 * A set of services called through one pipeline each, configured as a whole and reconfigurable
 * while it runs: see {@link createMesh}.
 */
export interface Mesh {
  /** A client for `service`, routed by the mesh's active config (the {@link Client} API). Clients of one service share its endpoints' state and sockets. */
  client(service: string): Client;
  /** Sends a request like the global `fetch` to the service its URL's host names (`http://payments/v1/charges`). */
  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response>;
  /**
   * Validates `config` as a whole, compiles it and swaps it in; calls in flight finish on the
   * generation they started on. Returns the version applied: the config's own `version`, else
   * `version`, else the generation number.
   * @throws ConfigError naming the option path and the bad value; the active config stays
   */
  apply(config: MeshConfig, version?: string): string;
  /** Swaps back to the config before the active one; returns its version, or `undefined` when there is none. */
  rollback(): string | undefined;
  /** The active config, or `undefined` before the first. */
  config(): ActiveConfig | undefined;
  /** Resolves once a config is active. Rejects when the source's first delivery was rejected. */
  ready(): Promise<void>;
  /** A snapshot of every service's endpoints, subsets and routes. */
  stats(): MeshStats;
  /**
   * Every service's health (`healthy`, `degraded`, `down`) with the reasons: no endpoints, all
   * ejected, discovery stale, firing alert rules (success rate, p99, ...). Serve it as a
   * readiness endpoint: `down` is not ready.
   */
  health(): MeshHealth;
  /**
   * An undici `Dispatcher` that sends requests whose host is a service of the mesh through its
   * pipeline and every other request to `options.fallback` (default: its own undici `Agent`)
   * unchanged: `setGlobalDispatcher(mesh.dispatcher())`, or `fetch(url, { dispatcher })`.
   * Closed with the mesh.
   */
  dispatcher(options?: MeshDispatcherOptions): Dispatcher;
  /** Listens to a lifecycle event of any service, or a config event; returns a function that removes the listener. */
  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void;
  /** Removes a listener added with {@link Mesh.on}. */
  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void;
  /** Closes every cluster (pools, breakers, discovery watches, timers), the config source and the providers. Calls made afterwards reject. */
  close(): Promise<void>;
}

/** Configs kept for `rollback()`. */
const HISTORY = 16;

/**
 * Creates a mesh: every service of its config gets a cluster (its endpoints, balancer, breakers
 * and connection pools, shared by all its routes and clients), its routes send each call to a
 * subset with a route's policy, and a new config (from `apply()` or a live source) is validated
 * whole and swapped in atomically, keeping the state of clusters it leaves unchanged.
 *
 * @example
 * const mesh = createMesh({ config: { services: { payments: { endpoints: ['http://127.0.0.1:8081'] } } } });
 * const res = await mesh.fetch('http://payments/v1/charges', { method: 'POST', body });
 * await mesh.close();
 *
 * @throws ConfigError naming the option path and the bad value
 */
export function createMesh(options: MeshOptions): Mesh {
  const o = readOptions(options, '', ['config', 'source', 'discovery', ...RUNTIME_KEYS] as const);
  if ((o.config === undefined) === (o.source === undefined)) throw new ConfigError('config', o.config, 'either config or source (exactly one)');
  const discovery = new Map<string, Discovery>();
  if (o.discovery !== undefined) {
    if (!isPlainObject(o.discovery)) throw new ConfigError('discovery', o.discovery, 'an object of service name -> Discovery');
    for (const [name, provider] of Object.entries(o.discovery)) discovery.set(name, discoveryOption(provider, `discovery.${name}`));
  }
  if (o.source !== undefined) sourceOption(o.source);
  const mesh = new SwitchyardMesh(parseRuntimeOptions(o), discovery);
  if (o.config !== undefined) mesh.apply(o.config as MeshConfig);
  else mesh.follow(o.source as ConfigSource);
  return mesh;
}

function sourceOption(value: unknown): ConfigSource {
  for (const method of ['subscribe', 'ready', 'close'] as const) {
    if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigError('source', value, 'a ConfigSource with subscribe(), ready() and close()');
    }
  }
  return value as ConfigSource;
}

/** A config that was applied, kept for rollback. */
interface Applied {
  readonly settings: MeshSettings;
  readonly input: unknown;
  readonly version: string;
}

/** The mesh. Also what its clients run on ({@link MeshRuntime}). */
export class SwitchyardMesh implements Mesh, MeshRuntime {
  readonly runtime: RuntimeSettings;
  readonly events = new EventBus();
  readonly #discovery: ReadonlyMap<string, Discovery>;
  readonly #deps: GenerationDeps;
  /** Every cluster made and not yet known closed, so close() reaches those still held by retired generations. */
  readonly #clusters = new Set<Cluster>();
  /** Providers given in options or configs: the mesh closes them. */
  readonly #providers = new Set<Discovery>();
  readonly #history: Applied[] = [];
  readonly #clients = new Map<string, Client>();
  readonly #alerts: Alerts;
  readonly #dispatchers = new Set<MeshDispatcher>();
  readonly #stopMetrics: (() => void) | undefined;
  #active: Generation | undefined;
  #generations = 0;
  #source: ConfigSource | undefined;
  #stopSource: (() => void) | undefined;
  #firstRejection: unknown;
  #closed: Promise<void> | undefined;

  constructor(runtime: RuntimeSettings, discovery: ReadonlyMap<string, Discovery>) {
    this.runtime = runtime;
    this.#discovery = discovery;
    for (const provider of discovery.values()) this.#providers.add(provider);
    this.#alerts = new Alerts(runtime.clock, this.events, this);
    this.#stopMetrics = runtime.meter ? meshMetrics(runtime.meter, this, this.events) : undefined;
    this.#deps = {
      clock: runtime.clock,
      rng: runtime.rng,
      events: this.events,
      tracer: runtime.tracing ? switchyardTracer(VERSION) : undefined,
      redactPath: queryRedactor(runtime.redactQueryParams),
      httpMetrics: runtime.meter && runtime.httpMetrics ? httpClientInstruments(runtime.meter) : undefined,
      middleware: runtime.middleware,
      alertLayer: (service, settings) => this.#alerts.layer(service, settings.alerts),
      fingerprints: new Fingerprints(),
      clusters: new Map(),
    };
  }

  /** The generation new calls start on. */
  get active(): Generation | undefined {
    return this.#active;
  }

  /** Whether the mesh has been closed. */
  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Starts following a config source. */
  follow(source: ConfigSource): void {
    this.#source = source;
    this.#stopSource = source.subscribe({
      update: (config, version) => {
        try {
          this.apply(config as MeshConfig, version);
        } catch {
          // Rejected: reported by a config-rejected event; the active generation stays.
        }
      },
      error: (error) => this.#reject(error, undefined),
    });
  }

  client(service: string): Client {
    if (typeof service !== 'string' || service === '') throw new ConfigError('service', service, 'a service name');
    return createClientOf(this, service, false);
  }

  fetch(input: string | URL | Request, init?: FetchInit): Promise<Response> {
    let host: string;
    try {
      const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      host = new URL(href).hostname;
    } catch {
      return Promise.reject(new InvalidRequestError('mesh.fetch() needs an absolute URL whose host names a service, such as "http://payments/v1/items"'));
    }
    let client = this.#clients.get(host);
    if (!client) {
      client = createClientOf(this, host, false);
      // Only hosts that name a service are remembered, so fetches to arbitrary hosts cannot grow the map.
      if (this.#active?.services.has(host)) this.#clients.set(host, client);
    }
    return client.fetch(input, init);
  }

  apply(config: MeshConfig, version?: string): string {
    if (this.#closed) throw new ClientClosedError('mesh');
    let settings: MeshSettings;
    try {
      settings = parseMeshConfig(config, this.#discovery);
    } catch (error) {
      this.#reject(error, versionOf(config) ?? version);
      throw error;
    }
    const applied = this.#install(settings, config, version);
    this.#history.push(applied);
    if (this.#history.length > HISTORY) this.#history.shift();
    return applied.version;
  }

  /** Applies settings validated elsewhere (`createClient`'s one service), as {@link SwitchyardMesh.apply} does. */
  applySettings(settings: MeshSettings, input: unknown): void {
    this.#history.push(this.#install(settings, input, undefined));
  }

  rollback(): string | undefined {
    if (this.#closed || this.#history.length < 2) return undefined;
    const current = this.#history.pop()!;
    const previous = this.#history[this.#history.length - 1]!;
    try {
      this.#install(previous.settings, previous.input, previous.version);
    } catch (error) {
      this.#history.push(current);
      throw error;
    }
    return previous.version;
  }

  config(): ActiveConfig | undefined {
    const active = this.#active;
    return active && { version: active.version, generation: active.number, config: active.input };
  }

  ready(): Promise<void> {
    return this.generation().then(() => undefined);
  }

  /**
   * The active generation, once there is one: waits for a config source's first delivery.
   * @throws NoEndpointsError when the source delivered nothing valid
   */
  async generation(): Promise<Generation> {
    if (this.#active) return this.#active;
    if (this.#closed) throw new ClientClosedError('mesh');
    await this.#source?.ready();
    if (this.#active) return this.#active;
    throw new NoEndpointsError('mesh', `no valid configuration has been delivered${this.#firstRejection instanceof Error ? `: ${this.#firstRejection.message}` : ''}`);
  }

  stats(): MeshStats {
    const active = this.#active;
    const services: MeshStats['services'] = {};
    const now = this.#deps.clock.now();
    if (active) for (const entry of active.services.values()) services[entry.settings.service] = serviceStats(entry.settings, entry.cluster.fleet, entry.cluster.discovery, now);
    return { generation: active?.number ?? 0, version: active?.version, services };
  }

  health(): MeshHealth {
    const active = this.#active;
    if (!active) return { status: 'down', services: {} };
    const services: Record<string, ServiceHealth> = {};
    let status: MeshHealth['status'] = 'healthy';
    for (const [key, entry] of active.services) {
      const health = serviceHealth(entry.cluster, this.#alerts.firing(key));
      services[entry.settings.service] = health;
      status = worse(status, health.status);
    }
    return { status, services };
  }

  serviceHealth(service: string): ServiceHealth {
    const key = service.toLowerCase();
    const entry = this.#active?.services.get(key);
    return entry ? serviceHealth(entry.cluster, this.#alerts.firing(key)) : NO_CONFIG_HEALTH;
  }

  dispatcher(options?: MeshDispatcherOptions): Dispatcher {
    if (this.#closed) throw new ClientClosedError('mesh');
    if (options !== undefined) readOptions(options, 'dispatcher', ['fallback'] as const);
    if (options?.fallback !== undefined && typeof (options.fallback as { dispatch?: unknown }).dispatch !== 'function') {
      throw new ConfigError('dispatcher.fallback', options.fallback, 'an undici Dispatcher');
    }
    const dispatcher = new MeshDispatcher({ serves: (host) => this.#active?.services.has(host) ?? false, client: (service) => this.client(service) }, options);
    this.#dispatchers.add(dispatcher);
    return dispatcher;
  }

  on<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): () => void {
    return this.events.on(event, listener);
  }

  off<K extends ClientEventName>(event: K, listener: ClientEventListener<K>): void {
    this.events.off(event, listener);
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#stopSource?.();
      this.#alerts.close();
      this.#stopMetrics?.();
      const active = this.#active;
      this.#active = undefined;
      void active?.retire();
      await Promise.all([
        this.#source?.close(),
        ...[...this.#clusters].map((cluster) => cluster.close()),
        ...[...this.#providers].map((provider) => provider.close()),
        ...[...this.#dispatchers].map((dispatcher) => dispatcher.close()),
      ]);
      this.#clusters.clear();
      this.events.clear();
    })();
    return this.#closed;
  }

  #install(settings: MeshSettings, input: unknown, version: string | undefined): Applied {
    const number = this.#generations + 1;
    const name = settings.version ?? version ?? String(number);
    let generation: Generation;
    try {
      generation = compileGeneration(number, name, input, settings, this.#deps);
    } catch (error) {
      this.#reject(error, name);
      throw error;
    }
    this.#generations = number;
    for (const entry of generation.services.values()) {
      this.#clusters.add(entry.cluster);
      const source = entry.settings.source;
      if (source.kind === 'discovery') this.#providers.add(source.discovery);
    }
    const previous = this.#active;
    this.#active = generation;
    this.#alerts.apply(settings.alerts, generation.services.keys());
    if (previous) {
      void previous.retire().then(() => {
        for (const cluster of this.#clusters) if (!cluster.open) this.#clusters.delete(cluster);
      });
    }
    const { events, clock } = this.#deps;
    if (events.wants('config-applied')) events.emit('config-applied', { time: clock.now(), version: name, generation: number });
    return { settings, input, version: name };
  }

  #reject(error: unknown, version: string | undefined): void {
    if (!this.#active && this.#firstRejection === undefined) this.#firstRejection = error;
    const { events, clock } = this.#deps;
    if (events.wants('config-rejected')) events.emit('config-rejected', { time: clock.now(), version, generation: this.#active?.number ?? 0, error });
  }
}

/** The `version` field of a config that failed validation, if it has a usable one. */
function versionOf(config: unknown): string | undefined {
  const version = isPlainObject(config) ? config.version : undefined;
  return typeof version === 'string' || typeof version === 'number' ? String(version) : undefined;
}
