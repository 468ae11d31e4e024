import type { Balancer } from '../balance/balancer.js';
import { resolveBalancer, type BalancerName } from '../balance/registry.js';
import { parseBreakerOptions, type BreakerOptions, type BreakerSettings } from '../breaker/breaker-options.js';
import { parseBulkheadOptions, type BulkheadOptions, type BulkheadSettings } from '../bulkhead/bulkhead-options.js';
import { ConfigError } from '../core/errors.js';
import { isPlainObject, numberOption, readOptions, stringOption } from '../core/options.js';
import { DEFAULTS } from '../defaults.js';
import type { Discovery } from '../discovery/discovery.js';
import { parseFallbackOptions, type FallbackOptions, type FallbackSettings } from '../fallback/fallback-options.js';
import { toEndpoints, type Endpoint, type EndpointInput } from '../fleet/endpoint.js';
import type { TagSelector } from '../fleet/subset-view.js';
import { parseHedgeOptions, type HedgeOptions, type HedgeSettings } from '../hedge/hedge-options.js';
import type { AdaptiveThrottleSettings } from '../limit/adaptive-throttle.js';
import { parseConcurrencyLimitOptions, type ConcurrencyLimitOptions, type ConcurrencyLimitSettings } from '../limit/concurrency-options.js';
import { parseLimiterOptions, type LimiterOptions, type LimiterSettings } from '../limit/limiter-options.js';
import { parseThrottleOptions, type ThrottleOptions } from '../limit/throttle-options.js';
import { parseRetryOptions, type RetryOptions, type RetrySettings } from '../retry/retry-options.js';
import type { TransportOptions } from '../transport/transport.js';
import { parseRoutes, type RouteOptions, type RouteSettings } from './route-options.js';
import { parseTimeoutOptions, type TimeoutOptions, type TimeoutSettings } from './timeout-options.js';

/**
 * A subset of a service's endpoints: those whose tags match `tags` (`{ version: 'v2' }`). Routes
 * send calls to subsets; a subset is a view over the service's endpoints, not a copy.
 */
export interface SubsetOptions {
  /** The tags an endpoint must carry, with these values, to belong to the subset. */
  tags: Record<string, string>;
  /**
   * Largest share (%) of the subset's endpoints ejected at once (default: the breaker's
   * `maxEjectionPercent`); at least one may always be ejected.
   */
  maxEjectionPercent?: number;
}

/**
 * How to reach and call one service: its endpoints, the per-endpoint machinery (balancer,
 * breakers, connection pools) and the policy of its calls (timeouts, retries, hedging, limits).
 * `createClient` takes these plus the service name; a mesh config lists them under `services`.
 */
export interface ServiceOptions {
  /** Static endpoints (URLs or objects). Give this or `discovery`. */
  endpoints?: readonly EndpointInput[];
  /** A discovery provider. Give this or `endpoints`. Closed when the client or mesh closes. */
  discovery?: Discovery;
  /** A balancer name or a {@link Balancer} object (default `round-robin`). */
  balancer?: BalancerName | Balancer;
  /** Time limits. */
  timeout?: TimeoutOptions;
  /** Request header whose value is the consistent-hashing key (lower-cased), e.g. `x-user`. */
  hashHeader?: string;
  /** undici pool settings for each endpoint. */
  transport?: TransportOptions;
  /** Per-endpoint circuit breakers (outlier ejection), or `false` (default: on). */
  breaker?: BreakerOptions | false;
  /** Retries with backoff and a retry budget, or `false` (default: on, 2 retries). */
  retry?: RetryOptions | false;
  /** Hedged requests for idempotent calls (default: off). */
  hedge?: HedgeOptions | false;
  /** A token bucket every attempt sent takes a token from (default: off). */
  limiter?: LimiterOptions | false;
  /** A cap on concurrent calls with a bounded queue (default: off). */
  bulkhead?: BulkheadOptions | false;
  /** An adaptive limit on attempts in flight (AIMD, Vegas, Gradient2 or fixed); excess attempts fail with `ConcurrencyLimitedError` (default: off). */
  concurrencyLimit?: ConcurrencyLimitOptions | false;
  /** Client-side adaptive throttling (SRE book); rejected attempts fail with `ThrottledError` (default: off). */
  throttle?: ThrottleOptions | boolean;
  /** Produces a reply when the pipeline gives up (default: off). */
  fallback?: FallbackOptions | false;
  /** Named subsets of the endpoints, by tags, for routes to send calls to. */
  subsets?: Record<string, SubsetOptions>;
  /** Routing rules, first match wins; a call no route matches goes to every endpoint with the service's policy. */
  routes?: readonly RouteOptions[];
}

/** A validated subset. */
export interface SubsetSettings {
  readonly tags: TagSelector;
  readonly maxEjectionPercent: number | undefined;
}

/** Where a service's endpoints come from: a static list, or a provider object. */
export type EndpointSource = { readonly kind: 'static'; readonly endpoints: readonly Endpoint[] } | { readonly kind: 'discovery'; readonly discovery: Discovery };

/** Validated, defaulted service settings. */
export interface ServiceSettings {
  readonly service: string;
  readonly source: EndpointSource;
  readonly balancer: Balancer;
  readonly timeout: TimeoutSettings;
  readonly hashHeader: string | undefined;
  readonly transport: Required<TransportOptions>;
  readonly breaker: BreakerSettings | false;
  readonly retry: RetrySettings | false;
  readonly hedge: HedgeSettings | false;
  readonly limiter: LimiterSettings | false;
  readonly bulkhead: BulkheadSettings | false;
  readonly concurrencyLimit: ConcurrencyLimitSettings | false;
  readonly throttle: AdaptiveThrottleSettings | false;
  readonly fallback: FallbackSettings | false;
  readonly subsets: ReadonlyMap<string, SubsetSettings>;
  readonly routes: readonly RouteSettings[];
}

/** The keys of {@link ServiceOptions}. */
export const SERVICE_KEYS = [
  'endpoints',
  'discovery',
  'balancer',
  'timeout',
  'hashHeader',
  'transport',
  'breaker',
  'retry',
  'hedge',
  'limiter',
  'bulkhead',
  'concurrencyLimit',
  'throttle',
  'fallback',
  'subsets',
  'routes',
] as const satisfies readonly (keyof ServiceOptions)[];

/**
 * Validates the options of service `service` (read with {@link readOptions} by the caller), with
 * option paths under `prefix` (`''` for `createClient`, `services.payments.` in a mesh config).
 * `discovery` is the provider to use when the options list neither endpoints nor one.
 * @throws ConfigError naming the option path and the bad value
 */
export function parseServiceOptions(
  service: string,
  o: Partial<Record<(typeof SERVICE_KEYS)[number], unknown>>,
  prefix: string,
  discovery?: Discovery,
): ServiceSettings {
  const timeout = parseTimeoutOptions(o.timeout, `${prefix}timeout`);
  const subsets = parseSubsets(o.subsets, `${prefix}subsets`);
  return {
    service,
    source: parseSource(o, prefix, discovery),
    balancer: resolveBalancer(o.balancer ?? DEFAULTS.balancer, `${prefix}balancer`),
    timeout,
    hashHeader: o.hashHeader === undefined ? undefined : stringOption(o.hashHeader, `${prefix}hashHeader`).toLowerCase(),
    transport: parseTransportOptions(o.transport, `${prefix}transport`),
    breaker: parseBreakerOptions(o.breaker, `${prefix}breaker`),
    retry: parseRetryOptions(o.retry, `${prefix}retry`),
    hedge: parseHedgeOptions(o.hedge, `${prefix}hedge`),
    limiter: parseLimiterOptions(o.limiter, `${prefix}limiter`),
    bulkhead: parseBulkheadOptions(o.bulkhead, `${prefix}bulkhead`),
    concurrencyLimit: parseConcurrencyLimitOptions(o.concurrencyLimit, `${prefix}concurrencyLimit`),
    throttle: parseThrottleOptions(o.throttle, `${prefix}throttle`),
    fallback: parseFallbackOptions(o.fallback, `${prefix}fallback`),
    subsets,
    routes: parseRoutes(o.routes, `${prefix}routes`, new Set(subsets.keys()), timeout),
  };
}

function parseSource(o: Partial<Record<'endpoints' | 'discovery', unknown>>, prefix: string, fallback: Discovery | undefined): EndpointSource {
  if (o.endpoints !== undefined && o.discovery !== undefined) {
    throw new ConfigError(`${prefix}discovery`, o.discovery, 'either endpoints or discovery, not both');
  }
  if (o.discovery !== undefined) return { kind: 'discovery', discovery: discoveryOption(o.discovery, `${prefix}discovery`) };
  if (o.endpoints === undefined) {
    if (fallback) return { kind: 'discovery', discovery: fallback };
    throw new ConfigError(`${prefix}endpoints`, undefined, 'at least one endpoint (or a discovery provider)');
  }
  return { kind: 'static', endpoints: toEndpoints(o.endpoints, `${prefix}endpoints`) };
}

/**
 * Validates a discovery provider object.
 * @throws ConfigError naming `option` when it lacks one of the `Discovery` methods
 */
export function discoveryOption(value: unknown, option: string): Discovery {
  for (const method of ['current', 'subscribe', 'ready', 'close'] as const) {
    if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[method] !== 'function') {
      throw new ConfigError(option, value, 'a Discovery with current(), subscribe(), ready() and close()');
    }
  }
  return value as Discovery;
}

function parseTransportOptions(value: unknown, option: string): Required<TransportOptions> {
  const o = value === undefined ? {} : readOptions(value, option, ['connections', 'keepAliveTimeout', 'pipelining', 'closeGrace'] as const);
  const connections = o.connections === null ? Infinity : numberOption(o.connections, `${option}.connections`, Infinity, { min: 1, integer: true, allowInfinity: true });
  return {
    connections: connections === Infinity ? null : connections,
    keepAliveTimeout: numberOption(o.keepAliveTimeout, `${option}.keepAliveTimeout`, 4_000, { min: 1 }),
    pipelining: numberOption(o.pipelining, `${option}.pipelining`, 1, { min: 1, integer: true }),
    closeGrace: numberOption(o.closeGrace, `${option}.closeGrace`, DEFAULTS.closeGraceMs, { min: 0 }),
  };
}

function parseSubsets(value: unknown, option: string): ReadonlyMap<string, SubsetSettings> {
  const subsets = new Map<string, SubsetSettings>();
  if (value === undefined) return subsets;
  if (!isPlainObject(value)) throw new ConfigError(option, value, 'an object of subset name -> { tags, maxEjectionPercent? }');
  for (const name of Reflect.ownKeys(value)) {
    const path = `${option}.${String(name)}`;
    if (typeof name !== 'string' || name === '') throw new ConfigError(path, name, 'a non-empty subset name');
    const o = readOptions((value as Record<string, unknown>)[name], path, ['tags', 'maxEjectionPercent'] as const);
    if (!isPlainObject(o.tags) || Reflect.ownKeys(o.tags).length === 0) throw new ConfigError(`${path}.tags`, o.tags, 'an object of tag name -> value with at least one tag');
    const tags = Object.create(null) as Record<string, string>;
    for (const tag of Reflect.ownKeys(o.tags)) {
      const tagValue = (o.tags as Record<PropertyKey, unknown>)[tag];
      if (typeof tag !== 'string' || typeof tagValue !== 'string') throw new ConfigError(`${path}.tags.${String(tag)}`, tagValue, 'a string tag value');
      tags[tag] = tagValue;
    }
    subsets.set(name, {
      tags: Object.freeze(tags),
      maxEjectionPercent: o.maxEjectionPercent === undefined ? undefined : numberOption(o.maxEjectionPercent, `${path}.maxEjectionPercent`, 0, { max: 100 }),
    });
  }
  return subsets;
}
