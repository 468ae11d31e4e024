import type { Balancer } from './balance/balancer.js';
import { resolveBalancer, type BalancerName } from './balance/registry.js';
import type { Middleware } from './core/call.js';
import { systemClock, type Clock } from './core/clock.js';
import { ConfigError } from './core/errors.js';
import { booleanOption, numberOption, readOptions, stringOption } from './core/options.js';
import { systemRng, type Rng } from './core/rng.js';
import { parseBreakerOptions, type BreakerOptions, type BreakerSettings } from './breaker/breaker-options.js';
import { parseBulkheadOptions, type BulkheadOptions, type BulkheadSettings } from './bulkhead/bulkhead-options.js';
import { parseFallbackOptions, type FallbackOptions, type FallbackSettings } from './fallback/fallback-options.js';
import { parseHedgeOptions, type HedgeOptions, type HedgeSettings } from './hedge/hedge-options.js';
import { parseConcurrencyLimitOptions, type ConcurrencyLimitOptions, type ConcurrencyLimitSettings } from './limit/concurrency-options.js';
import { parseThrottleOptions, type ThrottleOptions } from './limit/throttle-options.js';
import type { AdaptiveThrottleSettings } from './limit/adaptive-throttle.js';
import { parseLimiterOptions, type LimiterOptions, type LimiterSettings } from './limit/limiter-options.js';
import { parseRetryOptions, type RetryOptions, type RetrySettings } from './retry/retry-options.js';
import { DEFAULTS } from './defaults.js';
import type { Discovery } from './discovery/discovery.js';
import { staticDiscovery } from './discovery/static.js';
import type { EndpointInput } from './fleet/endpoint.js';
import type { TransportOptions } from './transport/transport.js';

/** Per-attempt and per-call time limits, in milliseconds. */
export interface TimeoutOptions {
  /** Time for one attempt to connect and receive response headers (default 10 000 ms). */
  attempt?: number;
  /** Time for the whole call, every attempt and wait included (default 30 000 ms; `Infinity` for none). */
  total?: number;
}

/** Options of {@link createClient}. Defaults are listed in the README and in `DEFAULTS`. */
export interface ClientOptions {
  /** Logical service name; also the host accepted in absolute URLs (`http://payments/...`). */
  service: string;
  /** Static endpoints (URLs or objects). Give this or `discovery`. */
  endpoints?: readonly EndpointInput[];
  /** A discovery provider. Give this or `endpoints`. The client closes it on `close()`. */
  discovery?: Discovery;
  /** A balancer name or a {@link Balancer} object (default `round-robin`). */
  balancer?: BalancerName | Balancer;
  /** Time limits. */
  timeout?: TimeoutOptions;
  /** Request header whose value is the consistent-hashing key (lower-cased), e.g. `x-user`. */
  hashHeader?: string;
  /** Your own middleware, run once per call inside the logical span, outermost first. */
  middleware?: readonly Middleware[];
  /** Create OpenTelemetry spans and inject trace context (default true; no-ops without an SDK). */
  tracing?: boolean;
  /** undici pool settings for each endpoint. */
  transport?: TransportOptions;
  /** Clock for every layer (default: the system clock). Tests pass a `ManualClock`. */
  clock?: Clock;
  /** Random source for every layer (default: `Math.random`). Tests pass `seededRng(seed)`. */
  rng?: Rng;
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
}

/** Validated, defaulted client settings. */
export interface ClientSettings {
  readonly service: string;
  readonly discovery: Discovery;
  readonly balancer: Balancer;
  readonly attemptTimeout: number;
  readonly totalTimeout: number;
  readonly hashHeader: string | undefined;
  readonly middleware: readonly Middleware[];
  readonly tracing: boolean;
  readonly transport: TransportOptions;
  readonly clock: Clock;
  readonly rng: Rng;
  readonly breaker: BreakerSettings | false;
  readonly retry: RetrySettings | false;
  readonly hedge: HedgeSettings | false;
  readonly limiter: LimiterSettings | false;
  readonly bulkhead: BulkheadSettings | false;
  readonly concurrencyLimit: ConcurrencyLimitSettings | false;
  readonly throttle: AdaptiveThrottleSettings | false;
  readonly fallback: FallbackSettings | false;
}

const CLIENT_KEYS = [
  'service',
  'endpoints',
  'discovery',
  'balancer',
  'timeout',
  'hashHeader',
  'middleware',
  'tracing',
  'transport',
  'clock',
  'rng',
  'breaker',
  'retry',
  'hedge',
  'limiter',
  'bulkhead',
  'concurrencyLimit',
  'throttle',
  'fallback',
] as const satisfies readonly (keyof ClientOptions)[];

/**
 * Validates `createClient` options. Unknown keys (at any level) are errors; a `__proto__` key is
 * read as data and rejected as unknown, so it can pollute nothing.
 * @throws ConfigError naming the option and the bad value
 */
export function parseClientOptions(options: unknown): ClientSettings {
  const o = readOptions(options, '', CLIENT_KEYS);
  const service = stringOption(o.service, 'service');
  if (o.endpoints !== undefined && o.discovery !== undefined) {
    throw new ConfigError('discovery', o.discovery, 'either endpoints or discovery, not both');
  }
  let discovery: Discovery;
  if (o.discovery !== undefined) {
    discovery = o.discovery as Discovery;
    for (const method of ['current', 'subscribe', 'ready', 'close'] as const) {
      if (typeof (discovery as unknown as Record<string, unknown>)?.[method] !== 'function') {
        throw new ConfigError('discovery', o.discovery, 'a Discovery with current(), subscribe(), ready() and close()');
      }
    }
  } else {
    if (o.endpoints === undefined) throw new ConfigError('endpoints', undefined, 'at least one endpoint (or a discovery provider)');
    discovery = staticDiscovery(o.endpoints as readonly EndpointInput[]);
  }
  const timeout = o.timeout === undefined ? {} : readOptions(o.timeout, 'timeout', ['attempt', 'total'] as const);
  const attemptTimeout = numberOption(timeout.attempt, 'timeout.attempt', DEFAULTS.attemptTimeoutMs, { min: 1 });
  const totalTimeout = numberOption(timeout.total, 'timeout.total', DEFAULTS.totalTimeoutMs, { min: 1, allowInfinity: true });
  const transportIn = o.transport === undefined ? {} : readOptions(o.transport, 'transport', ['connections', 'keepAliveTimeout', 'pipelining'] as const);
  const transport: TransportOptions = {
    connections: transportIn.connections === null ? null : numberOption(transportIn.connections, 'transport.connections', Infinity, { min: 1, integer: true, allowInfinity: true }),
    keepAliveTimeout: numberOption(transportIn.keepAliveTimeout, 'transport.keepAliveTimeout', 4_000, { min: 1 }),
    pipelining: numberOption(transportIn.pipelining, 'transport.pipelining', 1, { min: 1, integer: true }),
  };
  if (transport.connections === Infinity) transport.connections = null;
  const middleware = o.middleware ?? [];
  if (!Array.isArray(middleware)) throw new ConfigError('middleware', middleware, 'an array of (call, next) => Promise<Reply> functions');
  middleware.forEach((m, i) => {
    if (typeof m !== 'function') throw new ConfigError(`middleware[${i}]`, m, 'a (call, next) => Promise<Reply> function');
  });
  const hashHeader = o.hashHeader === undefined ? undefined : stringOption(o.hashHeader, 'hashHeader').toLowerCase();
  const clock = (o.clock as Clock | undefined) ?? systemClock;
  if (typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function') throw new ConfigError('clock', o.clock, 'a Clock');
  const rng = (o.rng as Rng | undefined) ?? systemRng;
  if (typeof rng.next !== 'function') throw new ConfigError('rng', o.rng, 'an Rng with next()');
  return {
    service,
    discovery,
    balancer: resolveBalancer(o.balancer ?? DEFAULTS.balancer),
    attemptTimeout,
    totalTimeout,
    hashHeader,
    middleware: Object.freeze([...(middleware as Middleware[])]),
    tracing: booleanOption(o.tracing, 'tracing', DEFAULTS.tracing),
    transport,
    clock,
    rng,
    breaker: parseBreakerOptions(o.breaker),
    retry: parseRetryOptions(o.retry),
    hedge: parseHedgeOptions(o.hedge),
    limiter: parseLimiterOptions(o.limiter),
    bulkhead: parseBulkheadOptions(o.bulkhead),
    concurrencyLimit: parseConcurrencyLimitOptions(o.concurrencyLimit),
    throttle: parseThrottleOptions(o.throttle),
    fallback: parseFallbackOptions(o.fallback),
  };
}
